"""The pydantic schema of a cassette document (imported only when a cassette is loaded).

TypedDicts rather than models: pydantic-core validates them without building model objects, and
the provider works on the plain dicts anyway.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from llm_fakes.cassettes.format import ERROR_CLASSES

__all__ = ["adapter"]

_STRICT = ConfigDict(extra="forbid", strict=True)


def _known_error(name: str) -> str:
    if name not in ERROR_CLASSES:
        raise ValueError(f"unknown error class {name!r}; expected one of {sorted(ERROR_CLASSES)!r}")
    return name


@with_config(_STRICT)
class RequestDict(TypedDict):
    messages: list[dict[str, Any]]
    system: NotRequired[str]
    tools: NotRequired[list[dict[str, Any]]]
    max_tokens: NotRequired[int]  # absent: imported from a wire that had none (matches any)
    response_format: NotRequired[dict[str, Any] | None]
    json_mode: NotRequired[bool]
    max_retries: NotRequired[int | None]


@with_config(_STRICT)
class ToolUseDict(TypedDict):
    id: str
    name: str
    input: dict[str, Any]


@with_config(_STRICT)
class ResponseDict(TypedDict):
    content: str
    model: str
    input_tokens: NotRequired[int]
    output_tokens: NotRequired[int]
    stop_reason: NotRequired[str]
    tool_uses: NotRequired[list[ToolUseDict]]
    raw_response: NotRequired[Any]
    # Recorded from a user's class that has the newer framework's fields (typeset.OPTIONAL_FIELDS).
    reasoning_tokens: NotRequired[int]
    cache_read_tokens: NotRequired[int]
    cache_creation_tokens: NotRequired[int]


# "class" is a keyword, so this one is spelled functionally.
ErrorDict = TypedDict(
    "ErrorDict",
    {
        "class": Annotated[str, AfterValidator(_known_error)],
        "message": str,
        "status": NotRequired[int | None],
        "retryable": NotRequired[bool],
        "retry_after": NotRequired[float | None],
    },
)
ErrorDict.__pydantic_config__ = _STRICT  # type: ignore[attr-defined]


@with_config(_STRICT)
class TextDelta(TypedDict):
    type: Literal["text_delta"]
    content: NotRequired[str]
    snapshot: NotRequired[str]
    at: NotRequired[float]


@with_config(_STRICT)
class TextEnd(TypedDict):
    type: Literal["text_end"]
    full_text: NotRequired[str]
    at: NotRequired[float]


@with_config(_STRICT)
class ToolCall(TypedDict):
    type: Literal["tool_call"]
    tool_use_id: NotRequired[str]
    tool_name: NotRequired[str]
    tool_input: NotRequired[dict[str, Any]]
    at: NotRequired[float]


@with_config(_STRICT)
class ToolResult(TypedDict):
    type: Literal["tool_result"]
    tool_use_id: NotRequired[str]
    content: NotRequired[str]
    is_error: NotRequired[bool]
    at: NotRequired[float]


@with_config(_STRICT)
class ReasoningStart(TypedDict):
    type: Literal["reasoning_start"]
    at: NotRequired[float]


@with_config(_STRICT)
class ReasoningDelta(TypedDict):
    type: Literal["reasoning_delta"]
    content: NotRequired[str]
    at: NotRequired[float]


@with_config(_STRICT)
class Finish(TypedDict):
    type: Literal["finish"]
    stop_reason: NotRequired[str]
    input_tokens: NotRequired[int]
    output_tokens: NotRequired[int]
    cached_tokens: NotRequired[int]
    model: NotRequired[str]
    cache_creation_tokens: NotRequired[int]
    thinking_blocks: NotRequired[list[dict[str, Any]]]
    at: NotRequired[float]


@with_config(_STRICT)
class StreamError(TypedDict):
    type: Literal["error"]
    error: NotRequired[str]
    recoverable: NotRequired[bool]
    error_type: NotRequired[str]
    upstream_status: NotRequired[int | None]
    at: NotRequired[float]


Event = Annotated[
    TextDelta
    | TextEnd
    | ToolCall
    | ToolResult
    | ReasoningStart
    | ReasoningDelta
    | Finish
    | StreamError,
    Field(discriminator="type"),
]


@with_config(_STRICT)
class HttpDict(TypedDict):
    """The wire response of an HTTP-level recording (see :mod:`~llm_fakes.cassettes.http_record`)."""

    status: int
    headers: dict[str, str]
    body: NotRequired[Any]
    chunks: NotRequired[list[str]]
    text: NotRequired[str]


@with_config(_STRICT)
class InteractionDict(TypedDict):
    call: Literal["complete", "acomplete", "stream"]
    request: RequestDict
    response: NotRequired[ResponseDict]
    events: NotRequired[list[Event]]
    error: NotRequired[ErrorDict]
    truncated: NotRequired[bool]
    wire: NotRequired[str]
    http: NotRequired[HttpDict]


@with_config(_STRICT)
class HeaderDict(TypedDict):
    kit_version: str
    provider: str
    model: str
    recorded_at: str
    run: NotRequired[str]
    model_answered: NotRequired[str]
    sdk_versions: NotRequired[dict[str, str]]
    imported_from: NotRequired[str]


@with_config(_STRICT)
class DocumentDict(TypedDict):
    version: int
    header: HeaderDict
    interactions: list[InteractionDict]


@cache
def adapter() -> TypeAdapter[DocumentDict]:
    """The validator of a whole document, built once."""
    return TypeAdapter(DocumentDict)
