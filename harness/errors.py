"""The harness's own failures. Anything the server under test does wrong is data, not an exception."""


class HarnessError(Exception):
    """Base of every error the harness raises on purpose; the CLI prints it as one line and exits 2."""


class TargetError(HarnessError):
    """The target cannot be audited as given: missing directory, malformed scenario, failed install."""


class SandboxError(HarnessError):
    """The sandbox could not be built or started (no Docker engine, image build failure, ...)."""


class ManifestError(TargetError):
    """A ``scenario.toml`` that does not describe a server: says the file, the line and the field."""

    def __init__(self, path: str, line: int, field: str, message: str):
        self.path, self.line, self.field, self.message = path, line, field, message
        super().__init__(f"{path}:{line}: {field}: {message}")
