"""The scenario corpus: every ``scenarios/<case>/`` audited for real and held to what it declares.

One implementation serves three users: ``make taxonomy`` (``python -m harness.corpus``, a
parallel run that writes the reproduction table), the pytest plugin (``pytest scenarios/``
and the ``audit`` fixture) and the project's own tests. Each audit runs as its own
``mcp-harness audit`` process in its own run directory, so runs share no state and any
number may run at once; the pipeline tears each sandbox down on every path.
"""

from harness.corpus.audit import Run, audit_to
from harness.corpus.cases import Case, discover, load_case
from harness.corpus.expect import Verdict, verify

__all__ = ["Case", "Run", "Verdict", "audit_to", "discover", "load_case", "verify"]
