"""The sandbox stage: images, the per-run CA, and the gateway + server containers.

Guarantee: everything a run creates carries the label ``mcp-harness=<run id>``
and is removed when the run ends, on success, error or cancellation;
``mcp-harness clean`` removes strays left by a killed process.
"""
