"""``llm-fakes serve --cassette PATH``: a cassette served to any client, in any language.

Replay (a file, or every cassette in a folder)::

    llm-fakes serve --cassette cassettes/ --port 8000
    # OpenAI clients: base_url http://127.0.0.1:8000/v1; Anthropic clients: http://127.0.0.1:8000

Record through it as a proxy, then replay with no network::

    llm-fakes serve --cassette cassettes/node_app.yaml --record-mode once \\
        --upstream https://api.openai.com --port 8000

Each miss is printed (with the closest recorded request as a diff) and answered with a 400 in
the API's error shape; each recording is printed as it is saved. At Ctrl-C or SIGTERM it prints
what it served and the interactions never played; ``--strict`` then exits 1 when some were
never played or a request missed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["add_arguments", "register", "run_cassette"]

MODES = ("none", "once", "new_episodes", "all")


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """The ``serve`` sub-command: a scripted fake (:mod:`llm_fakes.http.serve`) or, with
    ``--cassette``, a recorded cassette; return the runner."""
    from llm_fakes.http.serve import register as register_fake

    run_fake = register_fake(parser)
    add_arguments(parser)

    def run(args: argparse.Namespace) -> int:
        return run_cassette(args) if args.cassette is not None else run_fake(args)

    return run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The cassette options of ``llm-fakes serve``."""
    group = parser.add_argument_group("serving a cassette")
    group.add_argument(
        "--cassette",
        type=Path,
        help="Serve this cassette (a file, or a folder of them) to any client, every API it "
        "recorded at its own paths, instead of a script.",
    )
    group.add_argument(
        "--record-mode",
        choices=MODES,
        default="none",
        help="none (default): replay only; once: record the cassette if it does not exist; "
        "new_episodes: record what is not recorded; all: record everything afresh.",
    )
    group.add_argument(
        "--upstream",
        help="The real API's root URL to record from (https://api.openai.com); a request's "
        "path is appended to it.",
    )
    group.add_argument(
        "--allow-playback-repeats",
        action="store_true",
        help="Replay a recording again once all recordings of its request were played.",
    )
    group.add_argument(
        "--strict",
        action="store_true",
        help="Exit 1 if recorded interactions were never played or a request missed.",
    )


def run_cassette(args: argparse.Namespace) -> int:
    """Serve ``args.cassette`` until interrupted; the exit status."""
    from llm_fakes.cassettes import storage
    from llm_fakes.cassettes.server import CassetteServer
    from llm_fakes.errors import CassetteError, UsageError
    from llm_fakes.http.serve import listen, stop_signal, wait_for_stop

    shown = storage.display(args.cassette)
    if args.record_mode == "none" and not args.cassette.exists():
        print(
            f"llm-fakes serve: no cassette at {shown}. Check the path, or record one through "
            "the server: --record-mode once --upstream <the API's root URL>.",
            file=sys.stderr,
        )
        return 2

    def say(line: str) -> None:
        print(f"llm-fakes: {line}", file=sys.stderr, flush=True)

    try:
        server = CassetteServer(
            args.cassette,
            args.record_mode,
            upstream=args.upstream,
            allow_playback_repeats=args.allow_playback_repeats,
            on_event=say,
        )
    except (UsageError, CassetteError) as exc:
        print(f"llm-fakes serve: {exc}", file=sys.stderr)
        return 2
    loopback = listen(server, args.host, args.port)
    if loopback is None:
        server.close()
        return 2
    with stop_signal() as stop, loopback:
        recording = f", recording from {args.upstream}" if args.upstream else ""
        print(
            f"llm-fakes: serving {len(server.interactions)} recorded interaction(s) from "
            f"{shown}{recording} at {loopback.url}",
            flush=True,
        )
        print(
            f"OpenAI clients: base URL {loopback.url}/v1; Anthropic clients: {loopback.url}. "
            "Press Ctrl-C to stop.",
            flush=True,
        )
        wait_for_stop(stop)
    server.close()
    unplayed = server.unplayed_message()
    print(
        f"llm-fakes: stopped after {server.served} request(s): {server.recorded} recorded, "
        f"{len(server.misses)} missed; {len(server.unplayed())} recorded interaction(s) never "
        "played.",
        flush=True,
    )
    if unplayed:
        print(unplayed, flush=True)
    if args.strict and (unplayed or server.misses):
        return 1
    return 0
