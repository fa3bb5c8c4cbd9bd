"""The inner sessions' conftest for the guard's pytester tests: a local server and a fake DNS.

``dns`` resolves every name to 127.0.0.1 and records it, so a request to ``api.openai.com``
that gets past the guard reaches the test's own server instead of the internet, and a test can
show that a blocked request never got as far as DNS.
"""

import re

CONFTEST = """
import http.server
import socket
import threading

import pytest


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def dns(monkeypatch):
    looked_up = []
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        looked_up.append(host)
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield looked_up
    print(f"DNS lookups: {looked_up}")
"""

#: An inner test module whose one test reaches "api.openai.com" (the local server, via ``dns``):
#: it passes exactly when the guard lets the request through.
PROBE = """
import httpx


def test_probe(dns, port):
    assert httpx.get(f"http://api.openai.com:{port}/").text == "ok"
    assert dns == ["api.openai.com"]
"""


def contains(*lines: str) -> list[str]:
    """Patterns for ``re_match_lines``: each output line contains the text literally.

    ``fnmatch_lines`` would read the brackets of ``allow_hosts=['x']`` as a character class.
    """
    return [".*" + re.escape(line) + "$" for line in lines]
