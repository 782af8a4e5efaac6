"""The installed version, for ``--version`` and the SARIF driver (kept out of ``harness/__init__.py``,
which the gateway image copies)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mcp-harness")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0.0.0+unknown"
