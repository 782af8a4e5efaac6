"""A notes server whose behaviour is chosen by its first argument: one hostile act per module in
behaviours/, each aimed at the harness around the sandbox rather than at the model."""

import importlib
import sys

from mcp.server.fastmcp import FastMCP

behaviour = importlib.import_module(f"behaviours.{sys.argv[1]}")
app = FastMCP("notes")
behaviour.install(app)

if __name__ == "__main__":
    app.run()
