"""The network guard's patches where every Python HTTP stack meets the network.

:mod:`llm_fakes.guard` decides what is allowed; this module puts its check in front of:

- ``socket.getaddrinfo`` and ``socket.create_connection``: a host *name* is judged before it is
  resolved, so a name that is neither loopback nor allowed fails even where ``/etc/hosts``
  points it at 127.0.0.1 (requests, urllib3, urllib, http.client, websockets' sync client);
- ``socket.socket.connect`` and ``connect_ex``: the address actually dialled (an IP literal is
  judged by address; a name given straight to ``connect`` by name). Unix sockets pass;
- the asyncio event loop's ``create_connection``, ``getaddrinfo`` and ``sock_connect``, so
  ``asyncio.open_connection``, aiohttp and websockets fail in the loop's own thread, at the
  ``await``, rather than in the executor thread that resolves names.

Not covered: other processes (``subprocess.run(["curl", ...])``), event loops written in C
(uvloop), resolvers that bypass ``getaddrinfo`` (aiodns) when the name resolves to loopback,
and UDP ``sendto`` without ``connect``.

Each patch is a thin wrapper that costs one Python call per connection or lookup and is removed
again by :func:`uninstall` (unless someone patched over it meanwhile, then it stays and lets
everything through while no policy is active).

Example:
    >>> import socket
    >>> install(lambda host, port: None)
    >>> hasattr(socket.getaddrinfo, _MARK)
    True
    >>> uninstall()
    >>> hasattr(socket.getaddrinfo, _MARK)
    False
"""

from __future__ import annotations

import functools
import socket
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["install", "patch_asyncio", "uninstall"]

_MARK = "__llm_fakes_guard__"
#: Marks a wrapper installed on a class that had no attribute of its own (it was inherited):
#: uninstalling deletes the wrapper instead of setting the inherited one on the subclass.
_INHERITED = "__llm_fakes_guard_inherited__"
_INET = (socket.AF_INET, socket.AF_INET6)

Check = Callable[[object, object], None]


def _no_check(host: object, port: object) -> None:
    """Lets everything through; :func:`install` replaces it with the guard's check."""


_check: Check = _no_check
#: What :func:`install` wrapped, as ``(owner, attribute name, wrapper)``.
_patched: list[tuple[Any, str, Any]] = []


def _wrap(owner: Any, name: str, make: Callable[[Any], Callable[..., Any]]) -> None:
    current = getattr(owner, name, None)
    if current is None or hasattr(current, _MARK):
        return
    wrapper = make(current)
    setattr(wrapper, _MARK, current)
    if isinstance(owner, type) and name not in owner.__dict__:
        setattr(wrapper, _INHERITED, True)
    setattr(owner, name, wrapper)
    _patched.append((owner, name, wrapper))


def _unwrap(owner: Any, name: str, wrapper: Any) -> None:
    current = (owner.__dict__ if isinstance(owner, type) else vars(owner)).get(name)
    if current is not wrapper:
        return  # someone patched over the guard: leave theirs (ours beneath is inert)
    if getattr(current, _INHERITED, False):
        delattr(owner, name)
    else:
        setattr(owner, name, getattr(current, _MARK))


def _inet_target(sock: socket.socket, address: Any) -> tuple[object, object] | None:
    if sock.family in _INET and isinstance(address, tuple) and len(address) >= 2:
        return address[0], address[1]
    return None  # a Unix socket, netlink, ...: not the network the guard is about


def _sync_wrappers() -> None:
    def getaddrinfo(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def guarded(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            _check(host, port)
            return original(host, port, *args, **kwargs)

        return guarded

    def create_connection(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def guarded(address: Any, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            if isinstance(address, tuple) and len(address) >= 2:
                _check(address[0], address[1])
            return original(address, *args, **kwargs)

        return guarded

    def connect(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def guarded(self: socket.socket, address: Any) -> Any:
            __tracebackhide__ = True
            target = _inet_target(self, address)
            if target is not None:
                _check(*target)
            return original(self, address)

        return guarded

    _wrap(socket, "getaddrinfo", getaddrinfo)
    _wrap(socket, "create_connection", create_connection)
    _wrap(socket.socket, "connect", connect)
    _wrap(socket.socket, "connect_ex", connect)


def patch_asyncio() -> None:
    """Guard the loop's connection helpers (a no-op until asyncio is imported)."""
    base = sys.modules.get("asyncio.base_events")
    if base is None:
        return

    def host_port(original: Callable[..., Any], first: int) -> Callable[..., Any]:
        # create_connection(protocol_factory, host, port, ...), getaddrinfo(host, port, ...)
        names = ("host", "port")

        @functools.wraps(original)
        async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
            __tracebackhide__ = True
            given = [
                kwargs.get(n, args[first + i] if len(args) > first + i else None)
                for i, n in enumerate(names)
            ]
            if given[0] is not None:
                _check(given[0], given[1])
            return await original(self, *args, **kwargs)

        return guarded

    def sock_connect(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def guarded(self: Any, sock: socket.socket, address: Any) -> Any:
            __tracebackhide__ = True
            target = _inet_target(sock, address)
            if target is not None:
                _check(*target)
            return await original(self, sock, address)

        return guarded

    loop = base.BaseEventLoop
    _wrap(loop, "create_connection", lambda o: host_port(o, 1))
    _wrap(loop, "getaddrinfo", lambda o: host_port(o, 0))
    for module_name, class_name in (
        ("asyncio.selector_events", "BaseSelectorEventLoop"),
        ("asyncio.proactor_events", "BaseProactorEventLoop"),
    ):
        cls = getattr(sys.modules.get(module_name), class_name, None)
        if cls is not None:
            _wrap(cls, "sock_connect", sock_connect)


def install(check: Check) -> None:
    """Put ``check(host, port)`` in front of the socket and asyncio connection calls."""
    global _check
    _check = check
    _sync_wrappers()
    patch_asyncio()


def uninstall() -> None:
    """Remove every wrapper :func:`install` put in place (in reverse order)."""
    while _patched:
        _unwrap(*_patched.pop())
