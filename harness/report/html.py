"""``report.html``: one self-contained page a reviewer can decide from, verdict first.

Everything in it that came from the server is untrusted: autoescape is on, no template marks
server text safe, and every string printed passes :func:`harness.report.inert.inert` (escape
sequences dropped, control and format characters such as bidi overrides spelled out, length cut).
The page carries a Content-Security-Policy that allows no script, no remote fetch and no form, and
it holds no script of its own: the map is inline SVG, links are in-page anchors.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jinja2

from harness.model import AuditResult
from harness.report import review
from harness.report.inert import inert
from harness.report.json import result_to_dict

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("harness.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    finalize=lambda v: inert(v, limit=1 << 20, keep_newlines=True) if isinstance(v, str) else v,
)
"""``finalize`` runs on every printed value: no server text reaches the page with control characters
or bidi overrides, which HTML escaping leaves in place."""
ENV.filters["tojson_pretty"] = lambda v: json.dumps(v, indent=2, ensure_ascii=False)
ENV.filters["when"] = lambda ts: dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
ENV.filters["short"] = lambda s, n=48: s if len(s) <= n else s[: n - 1] + "…"


_TEMPLATE = "report.html.j2"


def load_template() -> None:
    """Compile the report's template now (about 0.1 s), e.g. while the server runs: rendering
    then finds it in the environment's cache."""
    ENV.get_template(_TEMPLATE)


def render_html(result: AuditResult) -> str:
    nodes, hidden = review.destinations(result)
    rows, cut = review.timeline(result)
    return ENV.get_template(_TEMPLATE).render(
        r=result_to_dict(result),
        open_count=len(result.open_findings),
        leaks=review.leaks(result),
        by_kind=review.counts(result, "kind"),
        by_destination=review.counts(result, "destination"),
        by_tool=review.counts(result, "tool"),
        nodes=nodes,
        hidden_nodes=hidden,
        rows=rows,
        cut_rows=cut,
        definitions=review.definitions(result),
        unnamed=review.unnamed_services(result),
    )


def write_html(result: AuditResult, path: Path) -> None:
    path.write_text(render_html(result), encoding="utf-8")
