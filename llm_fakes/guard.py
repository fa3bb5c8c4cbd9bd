"""The network guard: while replaying, a real connection to a non-loopback host fails at once.

The guard sits where every Python HTTP stack meets the network (see :mod:`llm_fakes._guard_socket`):
``socket.getaddrinfo``, ``socket.create_connection``, ``socket.socket.connect``/``connect_ex``
and the asyncio loop's ``create_connection``, ``getaddrinfo`` and ``sock_connect``. So requests,
urllib, http.client, urllib3, aiohttp, websockets, raw sockets and ``asyncio.open_connection``
are blocked as well as httpx. For httpx (and httpx2, which the official OpenAI and Anthropic SDKs
use) it also sits one level up, where httpcore opens a TCP connection (``connect_tcp`` of its
network backends), so their error is raised at the request, before any socket exists. Both
levels are below every mock layer (respx, pytest_httpx, ``MockTransport``, vcrpy, responses),
so mocked requests pass.

Hosts are judged by name before anything is resolved: a name that is neither loopback nor
allowed is blocked even when ``/etc/hosts`` maps it to 127.0.0.1; IP literals are judged by
address. Unix sockets pass. Not covered: other processes (a ``curl`` subprocess), C event loops
(uvloop), and names resolved outside ``getaddrinfo`` (aiodns) that land on loopback.

It costs nothing until a connection is opened: this module imports neither httpx nor httpcore
nor asyncio. :func:`install` patches what is already imported, and registers an import hook that
patches httpcore and asyncio the moment they are first imported. A pooled connection is checked
once, when it is opened, not per request.

Loopback hosts (``localhost``, ``127.0.0.0/8``, ``::1``) are always allowed, so a fake server a
test starts keeps working. Behind an HTTP proxy the host named is the proxy's, since that is
where the connection goes.

Example:
    >>> with block_network(allow_hosts=["*.internal"]) as policy:
    ...     [policy.allows(h) for h in ("api.openai.com", "127.0.0.1", "db.internal")]
    [False, True, True]
"""

from __future__ import annotations

import fnmatch
import functools
import importlib.abc
import importlib.machinery
import ipaddress
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from llm_fakes import _guard_socket
from llm_fakes.errors import NetworkBlockedError

__all__ = ["GuardPolicy", "block_network", "install", "is_loopback", "uninstall"]

#: httpcore (used by httpx) and httpcore2 (used by httpx2, hence by the official SDKs).
_PACKAGES = ("httpcore", "httpcore2")
#: The backends that open TCP connections; ``AutoBackend`` delegates to the async two.
_BACKENDS = (("sync", "SyncBackend"), ("anyio", "AnyIOBackend"), ("trio", "TrioBackend"))
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_MARK = "__llm_fakes_guard__"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine, judged without DNS.

    Example:
        >>> [is_loopback(h) for h in ("localhost", "127.0.0.2", "[::1]", "api.openai.com")]
        [True, True, True, False]
    """
    return _is_loopback(host)


@functools.lru_cache(maxsize=1024)  # every guarded connect and lookup asks: the same few hosts
def _is_loopback(host: str) -> bool:
    name = host.strip().strip("[]").rstrip(".").lower()
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1 on a dual-stack socket
    return address.is_loopback or address.is_unspecified


class GuardPolicy:
    """What the guard allows while it is active, and what it blocked.

    Args:
        enabled: Whether to block at all; a disabled policy lets everything through.
        allow_hosts: Host patterns (``fnmatch`` style: ``"*.example.com"``) allowed besides
            loopback.
        reason: Why the guard is on, for the error message (``"the record mode is 'none'"``).
        fix: The last sentence of the error: how to record or allow the host. ``{host}`` is
            replaced by the blocked host.

    Example:
        >>> GuardPolicy(allow_hosts=["api.example.com"]).allows("api.example.com")
        True
    """

    __slots__ = ("allow_hosts", "blocked", "enabled", "fix", "reason")

    def __init__(
        self,
        *,
        enabled: bool = True,
        allow_hosts: Iterable[str] = (),
        reason: str = "",
        fix: str = "",
    ) -> None:
        self.enabled = enabled
        self.allow_hosts = tuple(h.strip().lower() for h in allow_hosts if h.strip())
        self.reason = reason
        self.fix = fix or (
            "Pass allow_hosts=[{host!r}] to block_network(), or make the call outside it."
        )
        #: Every connection this policy blocked, as ``(host, port)``, in order.
        self.blocked: list[tuple[str, int]] = []

    def allows(self, host: str) -> bool:
        """Whether a connection to ``host`` may proceed."""
        if not self.enabled or _is_loopback(host):
            return True
        name = host.strip("[]").rstrip(".").lower()
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.allow_hosts)

    def error(self, host: str, port: int) -> NetworkBlockedError:
        """The error for a blocked connection to ``host``:``port``."""
        because = f" because {self.reason}" if self.reason else ""
        allowed = "loopback (localhost, 127.0.0.0/8, ::1)"
        if self.allow_hosts:
            allowed += f" and allow_hosts {list(self.allow_hosts)!r}"
        return NetworkBlockedError(
            f"Blocked a real network connection to {host!r} (port {port}): the llm-fakes "
            f"network guard is on{because}, so tests may not reach real APIs.\n"
            f"{_serves(host)}Allowed hosts: {allowed}.\n" + self.fix.format(host=host)
        )

    def __repr__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"GuardPolicy({state}, allow_hosts={list(self.allow_hosts)!r})"


# The active policies, innermost last. A plain list, not a context variable: the connection may
# be opened in an executor thread (``acomplete``'s default), which must see the same policy.
_active: list[GuardPolicy] = []
_lock = threading.Lock()
_hook: _PatchOnImport | None = None
#: Called as ``listener(policy, host, port)`` after each blocked connection, in the thread that
#: attempted it (the pytest plugin uses this to fail tests that swallowed the error).
_listeners: list[Callable[[GuardPolicy, str, int], None]] = []


def _serves(host: str) -> str:
    """A line naming the APIs of a known host and the fakes that stand in for them (or "")."""
    from llm_fakes.wire.registry import REGISTRY

    apis = REGISTRY.for_host(host)
    if not apis:
        return ""
    titles = " and ".join(api.title for api in apis)
    fakes = " / ".join(dict.fromkeys(api.fake.rpartition(".")[2] for api in apis))
    return f"{host} serves {titles}; llm_fakes.{fakes} stands in for it without a network.\n"


def _check(host: str, port: int) -> None:
    __tracebackhide__ = True  # pytest shows the caller's line, not the guard's internals
    if not _active:
        return
    policy = _active[-1]
    if policy.allows(host):
        return
    policy.blocked.append((host, port))
    for listener in tuple(_listeners):
        listener(policy, host, port)
    raise policy.error(host, port)


def _port(port: object) -> int:
    if isinstance(port, bytes):
        port = port.decode("ascii", "replace")
    if isinstance(port, int):
        return port
    if isinstance(port, str):
        if port.isascii() and port.isdigit():
            return int(port)
        try:
            return socket.getservbyname(port, "tcp")  # "https": /etc/services, no network
        except OSError:
            return 0
    return 0


def _check_socket(host: object, port: object) -> None:
    """The check at the socket level, where hosts may be ``None``, bytes or service names."""
    __tracebackhide__ = True
    if not _active or host is None:
        return
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str) or not host:
        return  # "" is INADDR_ANY: this machine
    _check(host, _port(port))


def _target(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[str, int]:
    # httpcore calls ``connect_tcp(**kwargs)``; AutoBackend passes host and port positionally.
    host = kwargs.get("host", args[0] if args else "")
    port = kwargs.get("port", args[1] if len(args) > 1 else 0)
    return str(host), int(port)


def _guard_sync(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def connect_tcp(self: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        _check(*_target(args, kwargs))
        return original(self, *args, **kwargs)

    setattr(connect_tcp, _MARK, original)
    return connect_tcp


def _guard_async(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def connect_tcp(self: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        _check(*_target(args, kwargs))
        return await original(self, *args, **kwargs)

    setattr(connect_tcp, _MARK, original)
    return connect_tcp


def _patch_package(package: str) -> None:
    for module_name, class_name in _BACKENDS:
        module = sys.modules.get(f"{package}._backends.{module_name}")
        cls = getattr(module, class_name, None)
        if cls is None:
            continue
        original = cls.__dict__.get("connect_tcp")
        if original is None or hasattr(original, _MARK):
            continue
        wrap = _guard_sync if module_name == "sync" else _guard_async
        cls.connect_tcp = wrap(original)


def _unpatch_package(package: str) -> None:
    for module_name, class_name in _BACKENDS:
        module = sys.modules.get(f"{package}._backends.{module_name}")
        cls = getattr(module, class_name, None)
        if cls is None:
            continue
        current = cls.__dict__.get("connect_tcp")
        if current is not None and hasattr(current, _MARK):
            cls.connect_tcp = getattr(current, _MARK)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches an httpcore package right after it is first imported; ignores every other name."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _PACKAGES and fullname != "asyncio":
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec: importlib.machinery.ModuleSpec | None = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return spec

        def exec_then_patch(module: ModuleType) -> None:
            exec_module(module)
            if self not in sys.meta_path:
                return
            if fullname == "asyncio":
                _guard_socket.patch_asyncio()
            else:
                _patch_package(fullname)

        # The loader is a fresh object per lookup, so shadowing its method touches no one else.
        setattr(loader, "exec_module", exec_then_patch)  # noqa: B010
        return spec


def install() -> None:
    """Patch sockets, and httpcore and asyncio now if imported, else when they are. Idempotent."""
    global _hook
    with _lock:
        _guard_socket.install(_check_socket)
        for package in _PACKAGES:
            if package in sys.modules:
                _patch_package(package)
        if _hook is None:
            _hook = _PatchOnImport()
            sys.meta_path.insert(0, _hook)


def uninstall() -> None:
    """Undo :func:`install`: restore sockets, asyncio, httpcore and drop the import hook."""
    global _hook
    with _lock:
        if _hook is not None and _hook in sys.meta_path:
            sys.meta_path.remove(_hook)
        _hook = None
        _guard_socket.uninstall()
        for package in _PACKAGES:
            _unpatch_package(package)


def activate(policy: GuardPolicy) -> None:
    """Make ``policy`` the active one until :func:`deactivate`; installs the patches."""
    install()
    _active.append(policy)


def deactivate(policy: GuardPolicy) -> None:
    """Drop ``policy``; with no active policy left the patches are removed again."""
    if policy in _active:
        _active.remove(policy)
    if not _active:
        uninstall()


def active_policy() -> GuardPolicy | None:
    """The policy in force now, or ``None`` when the guard is not active."""
    return _active[-1] if _active else None


@contextmanager
def block_network(
    *, allow_hosts: Iterable[str] = (), enabled: bool = True, reason: str = "", fix: str = ""
) -> Iterator[GuardPolicy]:
    """Block network connections to non-loopback hosts inside the ``with`` block.

    The pytest plugin does this for every test in record mode ``none``; use this directly in a
    script or a test that needs a narrower or wider policy.

    Args:
        allow_hosts: Host patterns allowed besides loopback.
        enabled: ``False`` lets everything through (a nested ``with`` can lift an outer block).
        reason: Why, for the error message.
        fix: The error's closing sentence; ``{host}`` is replaced by the host.

    Yields:
        The active :class:`GuardPolicy`; its ``blocked`` list records what was refused.

    Example:
        >>> with block_network() as policy:
        ...     policy.enabled
        True
    """
    policy = GuardPolicy(enabled=enabled, allow_hosts=allow_hosts, reason=reason, fix=fix)
    activate(policy)
    try:
        yield policy
    finally:
        deactivate(policy)
