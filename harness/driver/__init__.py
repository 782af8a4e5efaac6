"""The driver stage: an MCP client that exercises the server with canary-tagged input.

It only talks to the server (over stdio through the container runtime) and
records what it did as events; it never looks at the sandbox's traffic.
"""
