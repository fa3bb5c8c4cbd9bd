"""The pydantic models of a script file's entries (imported only when a file is loaded)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid", populate_by_name=True)


class ToolCallModel(BaseModel):
    """``{name, input, id}``."""

    model_config = _STRICT
    name: str
    input: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class NearJSONModel(BaseModel):
    """``near_json: {value, flaw, schema, variant}``, the arguments of ``Reply.near_json``."""

    model_config = _STRICT
    value: Any
    flaw: str
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    variant: int = Field(default=0, ge=0)


class ReplyModel(BaseModel):
    """A reply entry; field names as :class:`~llm_fakes.scripted.turns.Reply`'s."""

    model_config = _STRICT
    text: str | None = None
    json_: Any = Field(default=None, alias="json")
    tool_calls: list[ToolCallModel] = Field(default_factory=list)
    reasoning: str | None = None
    stop_reason: str | None = None
    model: str | None = None
    input_tokens: int | None = Field(default=None, ge=0)
    output_tokens: int | None = Field(default=None, ge=0)
    cached_tokens: int = Field(default=0, ge=0)
    chunks: list[str] | None = None
    invalid_json: bool = False
    near_json: NearJSONModel | None = None


class FailModel(BaseModel):
    """A failure entry: ``fail: <kind>`` plus that kind's fields."""

    model_config = _STRICT
    fail: Literal[
        "rate_limit",
        "overloaded",
        "server_error",
        "empty",
        "timeout",
        "connection",
        "bad_request",
        "auth",
        "mid_stream",
    ]
    message: str | None = None
    status: int | None = None
    retry_after: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    after_chunk: int = Field(default=0, ge=0)
    recoverable: bool = True
    reply: str | dict[str, Any] | None = None


class RuleModel(BaseModel):
    """A rule entry: criteria, ``times`` and the ``reply`` (any turn)."""

    model_config = _STRICT
    last_user: str | None = None
    system: str | None = None
    tool_result: str | None = None
    times: int | None = Field(default=None, ge=1)
    reply: str | dict[str, Any]


MODELS: dict[str, type[BaseModel]] = {
    "reply": ReplyModel,
    "fail": FailModel,
    "rule": RuleModel,
}
