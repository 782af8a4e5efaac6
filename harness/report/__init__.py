"""Renderers: turn an :class:`harness.model.AuditResult` into files. They read nothing else."""

from harness.report.html import write_html
from harness.report.json import result_to_dict, write_json

__all__ = ["result_to_dict", "write_html", "write_json"]
