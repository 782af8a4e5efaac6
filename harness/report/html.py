"""``report.html``: one self-contained page, verdict first.

Everything in it that came from the server is untrusted: autoescape is on and
no template marks server text safe.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jinja2

from harness.model import AuditResult
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


def render_html(result: AuditResult) -> str:
    return ENV.get_template("report.html.j2").render(r=result_to_dict(result))


def write_html(result: AuditResult, path: Path) -> None:
    path.write_text(render_html(result), encoding="utf-8")
