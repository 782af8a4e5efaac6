from harness.driver.session import _stderr_reason

NODE_CRASH = """file:///usr/src/app/index.js:5
  throw new Error("SENDER_EMAIL environment variable is required");
  ^

Error: SENDER_EMAIL environment variable is required
    at file:///usr/src/app/index.js:5:9
    at ModuleJob.run (node:internal/modules/esm/module_job:271:25)

Node.js v24.19.0
"""


def test_the_reason_is_the_complaint_not_the_stack_or_the_runtime_banner(tmp_path):
    log = tmp_path / "stderr.log"
    log.write_text(NODE_CRASH)
    assert _stderr_reason(log) == (
        "Error: SENDER_EMAIL environment variable is required (give it with --env SENDER_EMAIL=VALUE)"
    )


def test_a_plain_last_line_is_kept_and_no_hint_is_invented(tmp_path):
    log = tmp_path / "stderr.log"
    log.write_text("listening on stdio\nshutting down: MAX_ITEMS reached\n")
    assert _stderr_reason(log) == "shutting down: MAX_ITEMS reached"
    assert _stderr_reason(tmp_path / "absent.log") == ""
