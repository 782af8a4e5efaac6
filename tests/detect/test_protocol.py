from harness.detect import Evidence
from harness.detect.protocol import ProtocolDefectDetector
from harness.model import ProtocolDefect, Severity
from tests import factories as f


def test_each_protocol_defect_is_an_info_finding_with_its_sample():
    detail = "3 line(s) on stdout were not JSON-RPC"
    noise = ProtocolDefect(1.0, "stdout_noise", "stdout", detail, 3, b"[debug]\x1b")
    schema = ProtocolDefect(1.0, "schema", "tools: read_file", "inputSchema.type: Field required")
    findings = list(ProtocolDefectDetector().detect(Evidence(f.target(), (), (noise, schema))))
    assert [x.severity for x in findings] == [Severity.INFO, Severity.INFO]
    assert findings[0].evidence == "3 line(s) on stdout were not JSON-RPC\nsample:\n[debug]\\x1b"
    assert findings[1].destination == "tools: read_file" and findings[1].channel == "listing"
    assert (findings[0].tool, findings[0].phase, findings[1].tool) == (None, "stdio", "read_file")
