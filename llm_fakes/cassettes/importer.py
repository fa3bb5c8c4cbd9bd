"""Import vcrpy cassettes (HTTP level) as llm-fakes cassettes (provider level).

:func:`import_cassettes` reads each source file (see :mod:`~llm_fakes.cassettes.vcr_source` for
what it accepts) and writes one cassette per source, same stem, under ``out``. Each interaction
with an API one of the :data:`~llm_fakes.wire.registry.REGISTRY` entries knows
becomes a provider-level interaction:

* the request (Chat Completions, Anthropic Messages or the OpenAI Responses API), read back
  from the wire into the seed's fields (messages, system, tools,
  max_tokens, response_format / json_mode); everything else the client sent (``n``,
  ``tool_choice``, ``stream_options``, ``temperature``...) is not a seed field and is dropped.
  Where the wire had no ``max_tokens`` (Chat Completions allows that) the request holds none,
  and it matches a call with *any* ``max_tokens``;
* the outcome: the parsed response; for an event stream the exact events the kit's provider
  yields for it (one text delta per chunk, tool calls, reasoning, the finish); for an error
  status the typed error with its status and ``Retry-After``;
* ``wire:`` names the format, so a replay matches requests the way that API reads them (see
  :func:`~llm_fakes.cassettes.wire_formats.canonical`).

Attempts an SDK retried (a retryable error followed by the same request) fold into the final
outcome, since a provider-level call includes its retries. Secrets are scrubbed as in any
recording. What cannot be mapped is listed in the report by file and interaction index, with the
reason; the rest is imported. Each cassette is written atomically, and only once every source
has been read.

Example:
    >>> import json, pathlib, tempfile
    >>> src = pathlib.Path(tempfile.mkdtemp()) / "chat.json"
    >>> _ = src.write_text(json.dumps({"version": 1, "interactions": [{"request": {
    ...     "method": "POST", "uri": "https://api.openai.com/v1/chat/completions",
    ...     "body": json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    ...     "headers": {}}, "response": {"status": {"code": 200, "message": "OK"},
    ...     "headers": {"content-type": ["application/json"]}, "body": {"string": json.dumps(
    ...     {"model": "gpt-4o-1", "choices": [{"message": {"content": "hello"},
    ...     "finish_reason": "stop"}]})}}}]}))
    >>> report = import_cassettes([src], src.parent / "out")
    >>> report.ok, [(p.name, n) for p, n in report.written]
    (True, [('chat.yaml', 1)])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llm_fakes.cassettes.redaction import Filter
from llm_fakes.errors import CassetteFormatError, CassetteWriteError, UsageError

__all__ = ["ImportReport", "Skipped", "import_cassettes", "sdk_versions_of", "source_files"]

SUFFIXES = (".yaml", ".yml", ".json")
#: Gzip-compressed sources (LangChain keeps its cassettes as ``*.yaml.gz``).
COMPRESSED = tuple(s + ".gz" for s in SUFFIXES)
# The version an official Python SDK's user agent names ("AsyncOpenAI/Python 1.54.3"); which SDK
# it is, the registry's entries say.
_PYTHON_SDK = re.compile(r"/Python ([\w.+-]+)")
# A response's own time, where a body has one (Chat Completions ``created``, Responses
# ``created_at``): seconds since 1970, ten digits until 2286.
_CREATED = re.compile(rb'"created(?:_at)?"\s*:\s*(\d{9,10})\b')
#: ``recorded_at`` of an import whose responses say nothing of their time.
UNKNOWN_TIME = "unknown"


def _is_source(path: Path) -> bool:
    return path.name.endswith(SUFFIXES + COMPRESSED)


def _cassette_name(path: Path) -> Path:
    """``a.yaml``, ``a.json``, ``a.yaml.gz`` -> ``a.yaml``."""
    name = path.name[: -len(".gz")] if path.name.endswith(".gz") else path.name
    return path.with_name(Path(name).stem + ".yaml")


@dataclass(frozen=True, kw_only=True)
class Skipped:
    """Something left out: the file, the interaction index (``None``: the whole file), why."""

    file: str
    index: int | None
    reason: str

    def __post_init__(self) -> None:
        # A reason quotes the URL or the body it could not map: never with a key in it.
        from llm_fakes._scrub import scrub_text

        object.__setattr__(self, "reason", scrub_text(self.reason))

    def __str__(self) -> str:
        where = self.file if self.index is None else f"{self.file} #{self.index}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    """What :func:`import_cassettes` did.

    Attributes:
        written: ``(cassette path, interactions)`` for each cassette written.
        skipped: What was left out, by file and index.
        folded: Retried attempts folded into their final outcome.
    """

    written: list[tuple[Path, int]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    folded: int = 0

    @property
    def ok(self) -> bool:
        """Whether everything was imported."""
        return not self.skipped

    @property
    def interactions(self) -> int:
        """Interactions written, over all cassettes."""
        return sum(n for _, n in self.written)


def source_files(sources: Sequence[str | Path]) -> list[tuple[Path, Path]]:
    """``(file, path of its cassette relative to the output folder)`` for each source: a folder
    contributes its ``*.yaml``/``*.yml``/``*.json`` files, keeping their sub-folders.

    Raises:
        UsageError: A source does not exist, there is no file at all, or two sources would
            write the same cassette.
    """
    out: list[tuple[Path, Path]] = []
    for raw in sources:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if _is_source(p) and p.is_file())
            out += [(p, _cassette_name(p.relative_to(path))) for p in found]
        elif path.is_file():
            out.append((path, Path(_cassette_name(path).name)))
        elif path.exists():
            from llm_fakes._bounded import file_kind

            raise UsageError(
                f"{str(path)!r} is {file_kind(path)}, not a regular file; give vcrpy cassette "
                "files or the folder holding them."
            )
        else:
            raise UsageError(f"No cassette file or folder at {str(path)!r}; check the path.")
    if not out:
        raise UsageError(
            f"No *.yaml, *.yml or *.json files (or *.gz of them) in "
            f"{', '.join(map(str, sources))!r}; "
            "point at vcrpy cassette files or the folder holding them."
        )
    seen: dict[Path, Path] = {}
    for src, rel in out:
        if rel in seen:
            raise UsageError(
                f"{str(seen[rel])!r} and {str(src)!r} would both be imported as {str(rel)!r}. "
                "Import them into different --out folders, or rename one."
            )
        seen[rel] = src
    return out


def _recorded_at(exchanges: list[Any]) -> str:
    """When the responses were recorded: the first ``Date`` header, else the first time a body
    holds, else :data:`UNKNOWN_TIME`; never the file's time, so an import is the same bytes
    whatever the source's modification time."""
    import email.utils

    for ex in exchanges:
        date = ex.headers.get("date")
        if date:
            try:
                when = email.utils.parsedate_to_datetime(date)
            except (TypeError, ValueError):
                continue
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for ex in exchanges:
        found = _CREATED.search(ex.body)
        if found:
            when = datetime.fromtimestamp(int(found.group(1)), UTC)
            return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return UNKNOWN_TIME


def sdk_versions_of(user_agents: Iterable[str]) -> dict[str, str]:
    """The SDK versions the ``user-agent`` headers name (``openai``, ``anthropic``).

    Example:
        >>> sdk_versions_of(["AsyncOpenAI/Python 1.54.3", "curl/8.0"])
        {'openai': '1.54.3'}
    """
    from llm_fakes.wire.registry import REGISTRY

    out: dict[str, str] = {}
    for agent in user_agents:
        version = _PYTHON_SDK.search(agent)
        if version is None:
            continue
        for api in REGISTRY:
            if api.sdk_package and api.sent_by_sdk(agent):
                out[api.sdk_package] = version.group(1)
    return out


def _sdk_versions(exchanges: list[Any]) -> dict[str, str]:
    return sdk_versions_of(ex.request_headers.get("user-agent", "") for ex in exchanges)


def _interaction(ex: Any) -> dict[str, Any]:
    """One exchange as a cassette interaction (raises ``ValueError`` with the reason if not)."""
    from llm_fakes.cassettes.http_record import http_record
    from llm_fakes.cassettes.wire_formats import format_for, formats

    fmt = format_for(ex.path) if ex.method == "POST" else None
    if fmt is None:
        known = "; ".join(f"{f.api.title}: {f.api.describe_paths()}" for f in formats())
        raise ValueError(f"{ex.method} {ex.uri} is not an API the importer reads ({known})")
    body = ex.request_json
    if not isinstance(body, dict):
        raise ValueError(f"the request body is not a JSON object ({fmt.name} needs one)")
    try:
        request = fmt.read_request(body, ex.path)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ValueError(
            f"the request body does not read as {fmt.name} ({type(exc).__name__}: {exc})"
        ) from None
    stream = fmt.api.is_stream(ex.path, body)
    model = fmt.api.model_of(ex.path, body)
    outcome = fmt.outcome(
        stream=stream, status=ex.status, headers=ex.headers, body=ex.body, model=model
    )
    # A stream request answered with a whole JSON body (a server ignoring "stream") is what a
    # complete() call gets.
    call = "stream" if "events" in outcome or (stream and "error" in outcome) else "complete"
    raw = outcome.get("response", {}).get("raw_response")
    wire = http_record(ex.status, ex.headers, ex.body, raw=raw)
    return {
        "call": call,
        "request": request,
        **outcome,
        "wire": fmt.name,
        "http": wire,
        "_model": model,
    }


def _check(interaction: dict[str, Any], shown: str) -> None:
    """Validate one mapped interaction alone, so a bad one is left out, not the whole file."""
    from llm_fakes.cassettes.format import new_document, validate_document

    doc = new_document(provider="", model="", recorded_at="")
    doc["interactions"] = [{k: v for k, v in interaction.items() if k != "_model"}]
    validate_document(doc, shown)


def _fold(items: list[tuple[int, dict[str, Any]]]) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """Drop an attempt whose retryable error was followed by the same request (a retry)."""
    from llm_fakes.cassettes.matching import canonical_json

    out: list[tuple[int, dict[str, Any]]] = []
    folded = 0
    for index, interaction in items:
        if out:
            last = out[-1][1]
            same = canonical_json([last["call"], last["request"]]) == canonical_json(
                [interaction["call"], interaction["request"]]
            )
            if same and "response" not in last and last.get("error", {}).get("retryable"):
                out.pop()
                folded += 1
        out.append((index, interaction))
    return out, folded


def _convert(
    path: Path, shown: str, redactor: Any, fold: bool
) -> tuple[dict[str, Any] | None, list[Skipped], int]:
    from llm_fakes.cassettes import vcr_source
    from llm_fakes.cassettes.format import new_document, validate_document

    try:
        doc = vcr_source.load_vcr(path)
    except vcr_source.Unreadable as exc:
        return None, [Skipped(file=shown, index=None, reason=str(exc))], 0
    skipped: list[Skipped] = []
    good: list[Any] = []
    items: list[tuple[int, dict[str, Any]]] = []
    for ex in vcr_source.exchanges(doc):
        if isinstance(ex, vcr_source.Unreadable):
            skipped.append(Skipped(file=shown, index=ex.args[1], reason=str(ex.args[0])))
            continue
        try:
            interaction = _interaction(ex)
            _check(interaction, shown)
        except ValueError as exc:
            skipped.append(Skipped(file=shown, index=ex.index, reason=str(exc)))
        except CassetteFormatError as exc:  # the mapping gave something the format rejects
            reason = f"what it maps to does not validate ({exc})"
            skipped.append(Skipped(file=shown, index=ex.index, reason=reason))
        else:
            items.append((ex.index, interaction))
            good.append(ex)
    folded = 0
    if fold:
        items, folded = _fold(items)
    if not items and doc["interactions"]:
        return None, skipped, folded
    interactions = [i for _, i in items]
    models = [i.pop("_model") for i in interactions]
    wires = sorted({i["wire"] for i in interactions})
    provider = ""
    if len(wires) == 1:
        from llm_fakes.cassettes.wire_formats import format_named

        fmt = format_named(wires[0])
        provider = fmt.provider if fmt else ""
    from llm_fakes.cassettes.outcome import first_model

    out = new_document(
        provider=provider,
        model=next((m for m in models if m), ""),
        recorded_at=_recorded_at(good),
    )
    answered = first_model(interactions)
    if answered:
        out["header"]["model_answered"] = answered
    versions = _sdk_versions(good)
    if versions:
        out["header"]["sdk_versions"] = versions
    out["header"]["imported_from"] = shown
    out["interactions"] = [redactor.scrub_interaction(i) for i in interactions]
    return validate_document(out, shown), skipped, folded


def import_cassettes(
    sources: Sequence[str | Path],
    out: str | Path,
    *,
    filters: Sequence[Filter] = (),
    filter_keys: Sequence[str] = (),
    fold_retries: bool = True,
    progress: Callable[[int, int, Path], None] | None = None,
) -> ImportReport:
    """Import vcrpy cassettes into ``out`` (see the module docs).

    Args:
        sources: vcrpy cassette files, or folders of them (sub-folders are kept under ``out``).
        out: The folder the cassettes are written to (created if needed).
        filters: Extra things to scrub (as :class:`~llm_fakes.CassetteProvider`'s ``filters``).
        filter_keys: Extra credential key names to scrub.
        fold_retries: Fold retried attempts into their final outcome.
        progress: Called as ``progress(done, total, file)`` after each source file is read.

    Raises:
        UsageError: A source is missing, or two would write the same cassette.
        CassetteWriteError: A cassette could not be written (the ones before it were, whole).
    """
    from llm_fakes import _yaml
    from llm_fakes.cassettes import storage
    from llm_fakes.cassettes.redaction import Redactor

    files = source_files(sources)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--out {str(folder)!r} is a file; give a folder to write cassettes into.")
    sources_at = {src.resolve() for src, _ in files}
    clash = next((folder / rel for _, rel in files if (folder / rel).resolve() in sources_at), None)
    if clash is not None:
        raise UsageError(
            f"Importing would overwrite the source {str(clash)!r}; give --out a folder of its "
            "own, e.g. cassettes/imported."
        )
    redactor = Redactor(filters, filter_keys)
    pending: list[tuple[Path, dict[str, Any]]] = []
    skipped: list[Skipped] = []
    folded = 0
    for n, (src, rel) in enumerate(files, 1):
        doc, left_out, folds = _convert(src, storage.display(src), redactor, fold_retries)
        skipped += left_out
        folded += folds
        if doc is not None:
            pending.append((folder / rel, doc))
        if progress is not None:
            progress(n, len(files), src)
    written: list[tuple[Path, int]] = []
    for dest, doc in pending:
        try:
            storage.write_atomic(dest, _yaml.dumps(doc))
        except OSError as exc:
            raise CassetteWriteError(
                f"Could not write cassette {storage.display(dest)}: {exc.strerror or exc}. "
                f"{len(written)} cassette(s) were written before it, each whole; check that "
                "the folder is writable and run the import again."
            ) from None
        written.append((dest, len(doc["interactions"])))
    return ImportReport(written=written, skipped=skipped, folded=folded)
