"""``llm-fakes serve``: a scripted fake of one of the kit's APIs on a local port.

For code that cannot take an injected client (another process, another language, a container),
point its base URL at the fake instead::

    llm-fakes serve --api openai --script script.yaml --port 8000
    curl -s http://127.0.0.1:8000/v1/chat/completions -H 'content-type: application/json' \\
         -d '{"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]}'

The script file is the one ``ScriptedProvider`` loads (turns, rules, settings). The server prints
its base URL once it listens (``--port 0`` picks a free port), answers until interrupted
(Ctrl-C or SIGTERM), then prints how many requests it served. With ``--check-unused`` it exits
with status 1 when scripted turns were left unused or a request hit a script mistake.

``llm-fakes serve --cassette PATH`` serves a recorded cassette instead
(:mod:`llm_fakes.cassettes.serve_cli`, which adds its options to these).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add the ``serve`` arguments to ``parser``; return the runner."""
    from llm_fakes.wire.registry import REGISTRY

    doors = ", ".join(
        f"{door} ({' and '.join(api.title for api in apis)})"
        for door, apis in REGISTRY.doors().items()
    )
    parser.add_argument(
        "--api",
        choices=sorted({*REGISTRY.doors(), *REGISTRY.names()}),
        metavar="API",
        help=f"The API to speak, by its fake: {doors}; or any API's key "
        f"({', '.join(REGISTRY.keys())}). Not with --cassette, which serves every API it holds.",
    )
    parser.add_argument("--script", type=Path, help="A YAML or JSON script file of turns.")
    parser.add_argument(
        "--port", type=int, default=8000, help="Port to listen on; 0 picks a free one (8000)."
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="Interface: an IPv4 or IPv6 address (127.0.0.1)."
    )
    parser.add_argument(
        "--chunk-delay",
        type=_seconds,
        default=0.0,
        help="Seconds between streamed chunks, a finite number >= 0 (0).",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_count,
        default=64 * 1024 * 1024,
        metavar="N",
        help="Refuse a request body over N bytes with a 413 (64 MiB).",
    )
    parser.add_argument(
        "--keep-requests",
        type=_count,
        default=100,
        metavar="N",
        help="Keep the last N requests in the log (100): the server's memory stays flat.",
    )
    parser.add_argument(
        "--check-unused",
        action="store_true",
        help="Exit 1 if scripted turns were unused or a request hit a script mistake.",
    )
    return run


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a finite number of seconds >= 0 (e.g. 0.05)"
        )
    return value


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0 (e.g. 100)")
    return int(text)


def listen(app: Any, host: str, port: int, **limits: Any) -> Any:
    """A loopback server for ``app`` on ``host:port`` (``limits``: ``max_body=`` and the like,
    see :class:`~llm_fakes.http._loopback.LoopbackServer`), or ``None`` after saying why it
    cannot listen there (the port is in use...)."""
    from llm_fakes.http._loopback import LoopbackServer

    try:
        return LoopbackServer(app, host, port, **limits)
    except OSError as exc:
        print(
            f"llm-fakes serve: cannot listen on {host}:{port}: {exc.strerror or exc}. "
            "Pick another --port, or --port 0 for a free one.",
            file=sys.stderr,
        )
        return None


@contextlib.contextmanager
def stop_signal() -> Iterator[threading.Event]:
    """An event SIGTERM sets while the block runs. Enter it before saying the server listens: a
    client that stops the server as soon as it reads that line is then heard, not killed."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def wait_for_stop(stop: threading.Event | None = None) -> None:
    """Block until Ctrl-C or SIGTERM (``stop``: from :func:`stop_signal`, entered earlier)."""
    if stop is None:
        with stop_signal() as event:
            return wait_for_stop(event)
    try:
        while not stop.wait(0.1):
            pass
    except KeyboardInterrupt:
        pass


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; the exit status."""
    from llm_fakes.errors import ScriptError, UnusedScriptError
    from llm_fakes.scripted.files import load_script_file
    from llm_fakes.wire.registry import REGISTRY

    if args.script is None or args.api is None:
        print(
            "llm-fakes serve: give --api and --script (a scripted fake), or --cassette PATH "
            "(a recorded cassette).",
            file=sys.stderr,
        )
        return 2
    fake_cls: Any = REGISTRY.door(args.api)[0].fake_class()
    try:
        loaded = load_script_file(args.script)
    except ScriptError as exc:
        print(f"llm-fakes serve: {exc}", file=sys.stderr)
        return 2
    fake = fake_cls(loaded, chunk_delay=args.chunk_delay, keep_requests=args.keep_requests)
    server = listen(fake, args.host, args.port, max_body=args.max_body_bytes)
    if server is None:
        return 2
    with stop_signal() as stop, server:
        print(
            f"llm-fakes: {fake_cls.__name__} serving {len(fake.script.queue)} scripted "
            f"turn(s) from {str(args.script)!r} at {server.url}{fake.base_path}",
            flush=True,
        )
        print("Press Ctrl-C to stop.", flush=True)
        wait_for_stop(stop)
    print(
        f"llm-fakes: stopped after {fake.request_count} request(s); "
        f"{len(fake.remaining)} queued turn(s) unused.",
        flush=True,
    )
    if args.check_unused:
        try:
            fake.assert_all_used()
        except UnusedScriptError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    return 0
