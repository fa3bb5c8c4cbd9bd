"""The guard holds for every HTTP stack, where each meets the network: the socket and the loop.

Each test starts a server on 127.0.0.1 and reaches it through a public-looking *name* that the
``hosts`` fixture maps to 127.0.0.1 below the guard, in ``_socket.getaddrinfo``, as an
``/etc/hosts`` line would. So a call that gets past the guard really arrives (the stack is
unguarded), and one the guard stops shows that the name was judged before it was resolved.
No name ever reaches real DNS: ``hosts`` refuses every name it does not map.
"""

from __future__ import annotations

import _socket
import asyncio
import http.client
import http.server
import json
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest

from llm_fakes.errors import NetworkBlockedError
from llm_fakes.guard import block_network, is_loopback

NAME = "api.openai.com"


class _Ok(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_POST = do_GET

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def hosts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Map ``NAME`` and ``*.internal`` to 127.0.0.1 below the guard; list the names resolved."""
    resolved: list[str] = []
    real = _socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name == NAME or (isinstance(name, str) and name.endswith(".internal")):
            resolved.append(name)
            return real("127.0.0.1", port, *args)
        if name is None or is_loopback(name):
            return real(host, port, *args)
        raise socket.gaierror(socket.EAI_NONAME, f"the test's hosts map has no {name!r}")

    monkeypatch.setattr(_socket, "getaddrinfo", lookup)
    return resolved


def _requests(url: str) -> str:
    requests = pytest.importorskip("requests")
    return str(requests.get(url, timeout=5).text)


def _urllib3(url: str) -> str:
    import urllib3

    with urllib3.PoolManager() as pool:
        return str(pool.request("GET", url, timeout=5, retries=False).data.decode())


def _urllib(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode())


def _http_client(url: str) -> str:
    host_port = url.split("/")[2]
    host, port = host_port.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def _create_connection(url: str) -> str:
    host, port = url.split("/")[2].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        return "ok" if sock.recv(100).startswith(b"HTTP/1.") else "?"


def _open_connection(url: str) -> str:
    host, port = url.split("/")[2].rsplit(":", 1)

    async def call() -> str:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET / HTTP/1.0\r\n\r\n")
        head = await reader.read(100)
        writer.close()
        await writer.wait_closed()
        return "ok" if head.startswith(b"HTTP/1.") else "?"

    return asyncio.run(call())


def _aiohttp(url: str) -> str:
    aiohttp = pytest.importorskip("aiohttp")

    async def call() -> str:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return str(await response.text())

    return asyncio.run(call())


def _trio(url: str) -> str:
    import trio

    host, port = url.split("/")[2].rsplit(":", 1)

    async def call() -> str:
        stream = await trio.open_tcp_stream(host, int(port))
        async with stream:
            await stream.send_all(b"GET / HTTP/1.0\r\n\r\n")
            head = await stream.receive_some(100)
        return "ok" if head.startswith(b"HTTP/1.") else "?"

    return str(trio.run(call))


def _websockets(url: str) -> str:
    pytest.importorskip("websockets")
    from websockets.sync.client import connect

    try:  # the plain HTTP server refuses the upgrade: reaching it is what counts
        with connect(url.replace("http://", "ws://"), open_timeout=5):
            pass
    except NetworkBlockedError:
        raise
    except Exception:
        return "ok"
    return "ok"


def _httpx(url: str) -> str:
    return httpx.get(url).text


def _httpx2(url: str) -> str:
    return str(httpx2.get(url).text)


def _openai_aiohttp(url: str) -> str:
    pytest.importorskip("aiohttp")
    import openai

    async def call() -> str:
        try:
            http_client = openai.DefaultAioHttpClient()
        except RuntimeError:  # an SDK release without its aiohttp transport
            pytest.skip("this openai release has no aiohttp transport")
        async with openai.AsyncOpenAI(
            api_key="sk-test", base_url=url + "/v1", max_retries=0, http_client=http_client
        ) as client:
            response = await client.with_raw_response.models.list()
            return "ok" if response.http_response.status_code == 200 else "?"

    return asyncio.run(call())


def _anthropic_aiohttp(url: str) -> str:
    pytest.importorskip("aiohttp")
    import anthropic

    async def call() -> str:
        try:
            http_client = anthropic.DefaultAioHttpClient()
        except RuntimeError:
            pytest.skip("this anthropic release has no aiohttp transport")
        async with anthropic.AsyncAnthropic(
            api_key="sk-ant-test", base_url=url, max_retries=0, http_client=http_client
        ) as client:
            response = await client.with_raw_response.models.list()
            return "ok" if response.http_response.status_code == 200 else "?"

    return asyncio.run(call())


STACKS: dict[str, Callable[[str], str]] = {
    "requests": _requests,
    "urllib3": _urllib3,
    "urllib": _urllib,
    "http.client": _http_client,
    "socket.create_connection": _create_connection,
    "asyncio.open_connection": _open_connection,
    "aiohttp": _aiohttp,
    "trio": _trio,
    "websockets": _websockets,
    "httpx": _httpx,
    "httpx2": _httpx2,
    "openai with DefaultAioHttpClient": _openai_aiohttp,
    "anthropic with DefaultAioHttpClient": _anthropic_aiohttp,
}


def _unwrap(error: BaseException) -> NetworkBlockedError | None:
    """The guard's error, raised as it is or kept as the cause by an SDK's own error."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, NetworkBlockedError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


@pytest.mark.parametrize("stack", list(STACKS))
def test_a_public_name_mapped_to_loopback_is_blocked_before_it_is_resolved(
    stack: str, port: int, hosts: list[str]
) -> None:
    call = STACKS[stack]
    with block_network(enabled=False):  # lift this suite's own guard: the call arrives
        assert call(f"http://{NAME}:{port}") == "ok"
    assert hosts == [NAME] * len(hosts) and hosts
    hosts.clear()
    with block_network() as policy, pytest.raises(Exception) as err:
        call(f"http://{NAME}:{port}")
    guard_error = _unwrap(err.value)
    assert guard_error is not None, f"{stack} reached the server past the guard: {err.value!r}"
    assert f"Blocked a real network connection to {NAME!r} (port {port})" in str(guard_error)
    assert policy.blocked[0] == (NAME, port)
    assert hosts == []


@pytest.mark.parametrize("stack", list(STACKS))
def test_loopback_and_allowed_hosts_pass_through_every_stack(
    stack: str, port: int, hosts: list[str]
) -> None:
    call = STACKS[stack]
    with block_network(allow_hosts=["*.internal"]) as policy:
        assert call(f"http://127.0.0.1:{port}") == "ok"
        assert call(f"http://localhost:{port}") == "ok"
        assert call(f"http://models.internal:{port}") == "ok"
    assert policy.blocked == []


def test_an_ip_literal_is_judged_by_its_address_before_any_packet() -> None:
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): documentation only, never routed.
    with block_network() as policy:
        for connect in (socket.socket.connect, socket.socket.connect_ex):
            with (
                socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
                pytest.raises(NetworkBlockedError),
            ):
                sock.settimeout(0.2)
                connect(sock, ("192.0.2.1", 80))
    assert policy.blocked == [("192.0.2.1", 80)] * 2


def test_an_ipv4_mapped_loopback_address_is_loopback(port: int) -> None:
    assert is_loopback("::ffff:127.0.0.1") and not is_loopback("::ffff:192.0.2.1")
    with (
        block_network() as policy,
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock,
    ):
        try:
            sock.connect(("::ffff:127.0.0.1", port))
        except OSError as exc:  # a kernel with IPv6 off or v6only on: the guard let it through
            assert not isinstance(exc, NetworkBlockedError)
    assert policy.blocked == []


def test_unix_sockets_pass(tmp_path: Path) -> None:
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen()
        with block_network() as policy, socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
    assert policy.blocked == []


def test_the_loop_helpers_refuse_in_the_loop_thread_before_resolving(hosts: list[str]) -> None:
    async def attempts() -> list[str]:
        loop = asyncio.get_running_loop()
        refused = []
        with socket.socket() as sock:
            sock.setblocking(False)
            for name, attempt in (
                ("create_connection", loop.create_connection(asyncio.Protocol, NAME, 80)),
                ("getaddrinfo", loop.getaddrinfo(NAME, 443)),
                ("sock_connect", loop.sock_connect(sock, (NAME, 80))),
            ):
                try:
                    await attempt
                except NetworkBlockedError:
                    refused.append(name)
        return refused

    with block_network():
        assert asyncio.run(attempts()) == ["create_connection", "getaddrinfo", "sock_connect"]
    assert hosts == []


_FRESH_PROCESS = """
import asyncio, json, socket
originals = (socket.getaddrinfo, socket.create_connection, asyncio.BaseEventLoop.create_connection)
from llm_fakes.guard import block_network
with block_network():
    during = [hasattr(f, "__llm_fakes_guard__") for f in (
        socket.getaddrinfo, socket.create_connection, socket.socket.connect,
        socket.socket.connect_ex, asyncio.BaseEventLoop.create_connection,
        asyncio.BaseEventLoop.getaddrinfo,
        asyncio.selector_events.BaseSelectorEventLoop.sock_connect)]
after = (socket.getaddrinfo, socket.create_connection, asyncio.BaseEventLoop.create_connection)
print(json.dumps({"during": during, "restored": after == originals,
                  "inherited": "connect" in vars(socket.socket)}))
"""


def test_the_patches_are_in_place_while_a_policy_is_active_and_removed_after() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == {"during": [True] * 7, "restored": True, "inherited": False}
