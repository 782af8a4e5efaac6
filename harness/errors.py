"""The harness's own failures. Anything the server under test does wrong is data, not an exception."""


class HarnessError(Exception):
    """Base of every error the harness raises on purpose; the CLI prints it as one line and exits 2."""


class TargetError(HarnessError):
    """The target cannot be audited as given: missing directory, malformed scenario, failed install."""


class SandboxError(HarnessError):
    """The sandbox could not be built or started (no Docker engine, image build failure, ...)."""
