"""The cassette file format: version, header, interactions, and their validation.

A cassette is one YAML document::

    version: 1
    header:
      kit_version: 0.1.0
      provider: myapp.llm.OpenAIProvider
      model: gpt-4o
      recorded_at: "2026-03-01T12:00:00Z"
    interactions:
    - call: complete                 # complete | acomplete | stream
      request:                       # what the provider was asked (defaults left out)
        messages:
        - role: user
          content: What is 2+2?
        max_tokens: 1024
      response:                      # a finished complete()/acomplete() ...
        content: "4"
        model: gpt-4o-2024-08-06
        input_tokens: 12
        output_tokens: 1
        stop_reason: stop
    - call: stream
      request: {...}
      events:                        # ... or the exact event sequence of a stream ...
      - type: text_delta
        content: Hel
        at: 0.0512                   # seconds after the request was sent
      - type: finish
        stop_reason: stop
        at: 0.3
      error:                         # ... and/or the typed error the call raised
        class: RateLimitError
        status: 429
        message: rate limited
        retry_after: 2.0

Request fields equal to the interface's defaults are left out (``system: ""``, no tools,
``json_mode: false``, ...), and so are event fields equal to their defaults; a text delta's
``snapshot`` is kept only when it is not the running concatenation. Loading validates the whole
document with pydantic and reports the file, the interaction and the field of the first problem.

Example:
    >>> doc = new_document(provider="x.P", model="m", recorded_at="2026-01-01T00:00:00Z")
    >>> validate_document(doc, "c.yaml")["version"]
    1
"""

from __future__ import annotations

from typing import Any

from llm_fakes._version import __version__
from llm_fakes.errors import CassetteFormatError, LLMFakesError, ProviderError

__all__ = [
    "CALLS",
    "CURRENT_VERSION",
    "ERROR_CLASSES",
    "REQUEST_DEFAULTS",
    "new_document",
    "validate_document",
]

#: The format version this kit writes.
CURRENT_VERSION = 1
#: Older versions this kit upgrades on load: version -> function returning the next version's doc.
MIGRATIONS: dict[int, Any] = {}
CALLS = ("complete", "acomplete", "stream")
#: Request fields and their interface defaults (left out of the file when equal).
REQUEST_DEFAULTS: dict[str, Any] = {
    "system": "",
    "tools": [],
    "response_format": None,
    "json_mode": False,
    "max_retries": None,
}


def _provider_error_classes() -> dict[str, type[LLMFakesError]]:
    from llm_fakes import errors

    out: dict[str, type[LLMFakesError]] = {}
    for name in dir(errors):
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, ProviderError):
            out[name] = obj
    # A scripted inner provider's JSON-mode error is what that call did: it replays as such.
    out["JSONModeError"] = errors.JSONModeError
    return out


#: Error classes a cassette may name: the kit's provider errors (and JSONModeError), by name.
ERROR_CLASSES: dict[str, type[LLMFakesError]] = _provider_error_classes()


def new_document(*, provider: str, model: str, recorded_at: str) -> dict[str, Any]:
    """An empty cassette document with a header."""
    return {
        "version": CURRENT_VERSION,
        "header": {
            "kit_version": __version__,
            "provider": provider,
            "model": model,
            "recorded_at": recorded_at,
        },
        "interactions": [],
    }


def _where(loc: tuple[int | str, ...]) -> str:
    """Where a pydantic error points, in words.

    Example:
        >>> _where(("interactions", 3, "request", "max_tokens"))
        'interaction #3, field request.max_tokens'
    """
    parts = list(loc)
    head = ""
    if len(parts) >= 2 and parts[0] == "interactions" and isinstance(parts[1], int):
        head = f"interaction #{parts[1]}, "
        parts = parts[2:]
    # Drop the discriminator tag pydantic inserts (events.2.text_delta.content).
    path = ""
    for i, part in enumerate(parts):
        if isinstance(part, int):
            path += f"[{part}]"
        elif i > 0 and isinstance(parts[i - 1], int) and part in _EVENT_TAGS:
            continue
        else:
            path += f".{part}" if path else str(part)
    return f"{head}field {path or '(top level)'}"


_EVENT_TAGS = frozenset(
    [
        "text_delta",
        "text_end",
        "tool_call",
        "tool_result",
        "reasoning_start",
        "reasoning_delta",
        "finish",
        "error",
    ]
)


def _looks_like_vcrpy(data: Any) -> bool:
    if not isinstance(data, dict) or "header" in data:
        return False
    first = (data.get("interactions") or [None])[0]
    return isinstance(first, dict) and isinstance(first.get("request"), dict) and (
        "uri" in first["request"]
    )


def _check_version(data: Any, path: str) -> None:
    if _looks_like_vcrpy(data):
        raise CassetteFormatError(
            f"Cassette {path} is a vcrpy (HTTP-level) cassette, not an llm-fakes one. Import "
            f"it: llm-fakes cassette import {path} --out <folder> (then point at the cassette "
            "written there)."
        )
    if not isinstance(data, dict):
        raise CassetteFormatError(
            f"Cassette {path} is not a cassette: expected a mapping with version, header and "
            f"interactions, got {type(data).__name__} {_short(data)}. "
            "Re-record it with --llm-record-mode=all."
        )
    version = data.get("version")
    if version == CURRENT_VERSION:
        return
    if "interactions" not in data and ("turns" in data or "rules" in data):
        raise CassetteFormatError(
            f"Cassette {path} is a script file (it has turns or rules), not a cassette. Play it "
            "with ScriptedProvider.from_file(...) or @pytest.mark.llm_script(...), or serve it "
            f"with llm-fakes serve --api API --script {path}."
        )
    if version is None or isinstance(version, bool) or not isinstance(version, int):
        raise CassetteFormatError(
            f"Cassette {path} has no valid version (field version is {version!r}). "
            f"Add 'version: {CURRENT_VERSION}' if it was written by this kit, "
            "or re-record it with --llm-record-mode=all."
        )
    if version > CURRENT_VERSION:
        raise CassetteFormatError(
            f"Cassette {path} has format version {version}, but llm-fakes {__version__} reads "
            f"versions up to {CURRENT_VERSION}. Upgrade llm-fakes (pip install -U llm-fakes), "
            "or re-record it with --llm-record-mode=all."
        )
    raise CassetteFormatError(
        f"Cassette {path} has format version {version}, older than any llm-fakes {__version__} "
        f"can upgrade (it reads version {CURRENT_VERSION}). Re-record it with "
        "--llm-record-mode=all, or load it with the llm-fakes release that wrote it "
        f"({data.get('header', {}).get('kit_version', 'unknown')!s}) and re-save."
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate_document(data: Any, path: str) -> dict[str, Any]:
    """Check a loaded document; return it (upgraded to the current version if older).

    Raises:
        CassetteFormatError: naming ``path``, the interaction and the field of the problem.
    """
    from pydantic import ValidationError

    from llm_fakes.cassettes._schema import adapter

    version = data.get("version") if isinstance(data, dict) else None
    while isinstance(version, int) and version in MIGRATIONS:
        data = MIGRATIONS[version](data)
        version = data.get("version")
    _check_version(data, path)
    try:
        adapter().validate_python(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise CassetteFormatError(
            f"Cassette {path} is not valid: {_where(first['loc'])}: {first['msg']} "
            f"(got {_short(first.get('input'))}). Fix that field by hand, or re-record the "
            "cassette with --llm-record-mode=all."
        ) from None
    document: dict[str, Any] = data
    for index, interaction in enumerate(document["interactions"]):
        _check_outcome(interaction, index, path)
    return document


def _check_outcome(interaction: dict[str, Any], index: int, path: str) -> None:
    call = interaction["call"]
    has = [k for k in ("response", "events", "error") if k in interaction]
    if call == "stream":
        ok = "response" not in interaction and bool(has)
        expected = "events and/or error"
    else:
        ok = len(has) == 1 and "events" not in interaction
        expected = "exactly one of response or error"
    if not ok:
        raise CassetteFormatError(
            f"Cassette {path} is not valid: interaction #{index} (call {call!r}) has "
            f"{has or 'no outcome'!r}, expected {expected}. Fix it by hand, or re-record the "
            "cassette with --llm-record-mode=all."
        )
