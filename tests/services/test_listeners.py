import socket
from pathlib import Path

from harness.model import ListeningSocket
from harness.services.listeners import ListenerWatch, listening
from harness.services.sink import EventSink

TCP_TABLE = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout
   0: 0100007F:3A99 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1
   2: 0100007F:9C40 0100007F:3A99 01 00000000:00000000 00:00000000 00000000  1000        0 3 1
"""


def test_listening_sockets_are_parsed_with_owner_and_connected_ones_ignored():
    assert listening("tcp", TCP_TABLE) == [("127.0.0.1", 15001, 0), ("0.0.0.0", 8080, 1000)]


def test_only_non_root_listeners_are_reported_and_each_once(tmp_path):
    (tmp_path / "tcp").write_text(TCP_TABLE)
    log = tmp_path / "events.jsonl"
    sink = EventSink.open(log)
    watch = ListenerWatch(proc_net=tmp_path)
    watch.scan(sink)
    watch.scan(sink)
    sink.close()
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and '"port":8080' in lines[0] and '"address":"0.0.0.0"' in lines[0]


def test_a_real_listener_appears_in_this_machines_table(tmp_path):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        found = listening("tcp", Path("/proc/net/tcp").read_text())
    finally:
        server.close()
    assert any(p == port for _, p, _ in found)
    assert ListeningSocket.kind == "listening_socket"


UDP_TABLE = """   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout
  1: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 4 2 0
  2: 00000000:A411 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 5 2 0
"""


def test_a_udp_socket_on_a_port_the_kernel_picks_for_senders_is_a_client_not_a_listener(tmp_path):
    (tmp_path / "udp").write_text(UDP_TABLE)
    (tmp_path / "range").write_text("32768\t60999\n")
    log = tmp_path / "events.jsonl"
    sink = EventSink.open(log)
    ListenerWatch(proc_net=tmp_path, port_range=tmp_path / "range").scan(sink)
    sink.close()
    lines = log.read_text().splitlines()
    # 0x14E9 = 5353 was bound on purpose; 0xA411 = 42001 is where an unbound sendto lands
    assert len(lines) == 1 and '"port":5353' in lines[0]
