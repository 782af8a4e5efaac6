"""The gateway fixture of the HTTP catch-all tests, shared with the other channel tests."""

from tests.services.test_http import gateway

__all__ = ["gateway"]
