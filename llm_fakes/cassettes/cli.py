"""``llm-fakes cassette ls|show|verify|import|stale``: cassette files from the shell.

* ``ls``: one line per interaction (call, messages, last message, outcome).
* ``show PATH [-i N ...]``: the interactions in full, as YAML.
* ``verify``: validate files; exits 1 and prints the error for each bad one.
* ``import SRC... --out DIR``: vcrpy cassettes to llm-fakes cassettes
  (:mod:`~llm_fakes.cassettes.importer`); exits 0 when everything was imported, 1 when something
  was left out (listed by file and interaction), 2 on a usage error.
* ``stale [PATHS] [--older-than 90d] [--model M] [--json]``: cassettes by age, model and
  versions (:mod:`~llm_fakes.cassettes.drift`).

Folders are searched for ``*.yaml`` / ``*.yml`` files.

Example:
    $ llm-fakes cassette verify cassettes/
    ok    cassettes/test_chat/test_reply.yaml (3 interactions)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from llm_fakes.errors import CassetteError

__all__ = ["register"]


def _files(paths: Iterable[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            out.append(path)
    return out


def _load(path: Path) -> dict[str, Any]:
    from llm_fakes.cassettes import storage

    if not path.exists():
        raise CassetteError(f"No cassette file at {path}.")
    return storage.load(path)


def _short(text: Any, width: int = 40) -> str:
    text = text if isinstance(text, str) else str(text)
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def _outcome(interaction: dict[str, Any]) -> str:
    if "error" in interaction and not interaction.get("events"):
        e = interaction["error"]
        status = f" (HTTP {e['status']})" if e.get("status") is not None else ""
        return f"{e['class']}{status}: {e['message']}"
    if "response" in interaction:
        r = interaction["response"]
        uses = len(r.get("tool_uses", []))
        calls = f", {uses} tool call(s)" if uses else ""
        tokens = f"{r.get('input_tokens', 0)}+{r.get('output_tokens', 0)} tokens"
        return f"{_short(r['content'])} ({r.get('stop_reason') or '-'}, {tokens}{calls})"
    events = interaction.get("events", [])
    text = "".join(e.get("content", "") for e in events if e["type"] == "text_delta")
    last = events[-1]["type"] if events else "nothing"
    tail = ", then " + interaction["error"]["class"] if "error" in interaction else ""
    cut = ", cut short" if interaction.get("truncated") else ""
    return f"{_short(text)} ({len(events)} events, ends with {last}{tail}{cut})"


def _line(index: int, interaction: dict[str, Any]) -> str:
    messages = interaction["request"].get("messages", [])
    count = f"{len(messages)} message" + ("" if len(messages) == 1 else "s")
    last = messages[-1].get("content", "") if messages and isinstance(messages[-1], dict) else ""
    return (
        f"  #{index} {interaction['call']:<9} {count:<11} {_short(last)} -> {_outcome(interaction)}"
    )


def _ls(paths: list[str]) -> int:
    status = 0
    for raw in paths:
        status = max(status, _ls_one(raw))
    return status


def _ls_one(raw: str) -> int:
    files = _files([raw])
    if not files:  # a folder holding no cassette: say so rather than print nothing
        print(f"No cassette files (*.yaml, *.yml) in {raw}.", file=sys.stderr)
        return 1
    status = 0
    for path in files:
        try:
            doc = _load(path)
        except CassetteError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = 1
            continue
        h = doc["header"]
        n = len(doc["interactions"])
        print(
            f"{path}: {n} interaction{'' if n == 1 else 's'} (recorded {h['recorded_at']} "
            f"from {h['provider'] or '?'}, model {h['model'] or '?'})"
        )
        for i, interaction in enumerate(doc["interactions"]):
            print(_line(i, interaction))
    return status


def _show(path: str, indices: list[int] | None) -> int:
    from llm_fakes import _yaml

    try:
        doc = _load(Path(path))
    except CassetteError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    interactions = doc["interactions"]
    wanted = indices if indices is not None else list(range(len(interactions)))
    bad = [i for i in wanted if not 0 <= i < len(interactions)]
    if bad:
        print(
            f"{path} has interactions #0..#{len(interactions) - 1}; there is no #{bad[0]}. "
            "Pick one of those with -i.",
            file=sys.stderr,
        )
        return 1
    for i in wanted:
        print(f"# {path} #{i}")
        print(_yaml.dumps(interactions[i]), end="")
    return 0


def _verify(paths: list[str]) -> int:
    status = 0
    files = _files(paths)
    if not files:
        print(f"No cassette files in {' '.join(paths)}.", file=sys.stderr)
        return 1
    for path in files:
        try:
            n = len(_load(path)["interactions"])
        except CassetteError as exc:
            print(f"FAIL  {path}\n      {exc}")
            status = 1
        else:
            print(f"ok    {path} ({n} interaction{'' if n == 1 else 's'})")
    return status


def _import(sources: list[str], out: str, filter_keys: list[str], fold: bool) -> int:
    from llm_fakes.cassettes.importer import import_cassettes
    from llm_fakes.errors import UsageError

    tty = sys.stderr.isatty()

    def progress(done: int, total: int, path: Path) -> None:
        if tty or done == total:
            end = "\n" if done == total else ""
            print(f"\rimport: {done}/{total} file(s) read", end=end, file=sys.stderr, flush=True)

    try:
        report = import_cassettes(
            sources, out, filter_keys=filter_keys, fold_retries=fold, progress=progress
        )
    except UsageError as exc:
        print(f"llm-fakes cassette import: {exc}", file=sys.stderr)
        return 2
    except CassetteError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for dest, n in report.written:
        print(f"wrote {dest} ({n} interaction{'' if n == 1 else 's'})")
    folded = f", {report.folded} retried attempt(s) folded" if report.folded else ""
    print(
        f"imported {report.interactions} interaction(s) into {len(report.written)} "
        f"cassette(s){folded}; {len(report.skipped)} left out",
        file=sys.stderr,
    )
    for skipped in report.skipped:
        print(f"left out  {skipped}")
    return 0 if report.ok else 1


def _stale(paths: list[str], older_than: str | None, model: str | None, as_json: bool) -> int:
    import json

    from llm_fakes.cassettes.drift import parse_age, survey
    from llm_fakes.errors import UsageError

    try:
        seconds = parse_age(older_than) if older_than is not None else None
    except UsageError as exc:
        print(f"llm-fakes cassette stale: {exc}", file=sys.stderr)
        return 2
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"llm-fakes cassette stale: no file or folder at {missing[0]!r}.", file=sys.stderr)
        return 2
    found, bad = survey(_files(paths), older_than=seconds, model=model)
    for path, why in bad:
        print(f"{path}: {why}", file=sys.stderr)
    if as_json:
        print(json.dumps([a.as_dict() for a in found], indent=2))
        return 1 if bad else 0
    for a in found:
        answered = f" (answered {a.model_answered})" if a.model_answered not in ("", a.model) else ""
        versions = ", ".join(f"{k} {v}" for k, v in sorted(a.sdk_versions.items()))
        source = f"  (imported from {a.imported_from})" if a.imported_from else ""
        print(
            f"{a.age_days:>7.1f}d  {a.recorded_at}  {a.model or '?'}{answered}  "
            f"{a.provider or '?'}  kit {a.kit_version}{f', {versions}' if versions else ''}  "
            f"{a.path}{source}"
        )
    what = f"older than {older_than}" if older_than else "in all"
    print(f"{len(found)} cassette(s) {what}{f' for model {model}' if model else ''}.")
    return 1 if bad else 0


def register(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Add the ``cassette`` sub-command's arguments; return its runner."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = actions.add_parser("ls", help="List the interactions of cassette files.")
    ls.add_argument("paths", nargs="+", metavar="PATH", help="cassette files or folders")
    show = actions.add_parser("show", help="Print interactions of a cassette in full.")
    show.add_argument("path", metavar="PATH", help="a cassette file")
    show.add_argument(
        "-i", "--index", type=int, action="append", help="interaction number (repeatable)"
    )
    verify = actions.add_parser("verify", help="Validate cassette files; exit 1 on a bad one.")
    verify.add_argument("paths", nargs="+", metavar="PATH", help="cassette files or folders")

    from llm_fakes.wire.registry import REGISTRY

    titles = ", ".join(api.title for api in REGISTRY)
    imp = actions.add_parser("import", help=f"Import vcrpy cassettes ({titles}).")
    imp.add_argument("sources", nargs="+", metavar="SRC", help="vcrpy cassette files or folders")
    imp.add_argument("--out", required=True, metavar="DIR", help="folder to write cassettes to")
    imp.add_argument(
        "--filter-key",
        action="append",
        default=[],
        metavar="KEY",
        help="another key whose values are secrets (repeatable)",
    )
    imp.add_argument(
        "--keep-retries",
        action="store_true",
        help="keep retried attempts as interactions instead of folding them into the outcome",
    )

    stale = actions.add_parser(
        "stale", help="List cassettes by age, model and versions (oldest first)."
    )
    stale.add_argument(
        "paths",
        nargs="*",
        default=["cassettes"],
        metavar="PATH",
        help="cassette files or folders (default: cassettes)",
    )
    stale.add_argument("--older-than", metavar="AGE", help="only older ones: 90d, 2w, 36h, 1y")
    stale.add_argument("--model", metavar="M", help="only this model (as asked or answered; globs)")
    stale.add_argument("--json", action="store_true", help="print JSON instead of lines")

    def run(args: argparse.Namespace) -> int:
        if args.action == "stale":
            return _stale(args.paths, args.older_than, args.model, args.json)
        if args.action == "import":
            return _import(args.sources, args.out, args.filter_key, not args.keep_retries)
        if args.action == "ls":
            return _ls(args.paths)
        if args.action == "show":
            return _show(args.path, args.index)
        return _verify(args.paths)

    return run
