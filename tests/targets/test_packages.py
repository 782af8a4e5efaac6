"""Spec parsing and version resolution against the real registries (npm and PyPI are reachable)."""

import pytest

from harness.errors import TargetError
from harness.targets import parse_target


def test_npm_spec_resolves_to_an_exact_version_and_keeps_the_scope():
    target = parse_target("npm:@modelcontextprotocol/server-memory", ["--flag"])
    assert (target.kind, target.package, target.runtime) == (
        "npm",
        "@modelcontextprotocol/server-memory",
        "node",
    )
    assert target.version and target.version[0].isdigit()
    assert target.args == ("--flag",)
    assert target.name.startswith("modelcontextprotocol-server-memory-")


def test_pypi_spec_with_a_pinned_version_keeps_it():
    target = parse_target("pypi:mcp-server-time==0.6.2")
    assert (target.kind, target.package, target.version, target.runtime) == (
        "pypi",
        "mcp-server-time",
        "0.6.2",
        "python",
    )


def test_docker_spec_names_the_image_without_resolving_anything():
    target = parse_target("docker:example/server:1.0")
    assert (target.kind, target.package) == ("docker", "example/server:1.0")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ftp:thing", "unknown target scheme 'ftp'"),
        ("npm:@modelcontextprotocol/no-such-package-xyzzy", "not found"),
        ("pypi:mcp-server-time==99.99.99", "has no version 99.99.99"),
        ("pypi:no-such-package-xyzzy-1234", "not found"),
        ("npm:Bad Name", "not an npm package name"),
    ],
)
def test_bad_specs_are_one_clear_error(spec, message):
    with pytest.raises(TargetError, match=message) as caught:
        parse_target(spec)
    assert "\n" not in str(caught.value)
