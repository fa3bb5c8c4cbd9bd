"""Server-side (hosted) tools in a script: the tools the API runs itself, in the model's turn.

A :class:`ServerToolCall` in ``Reply(server_tools=[...])`` says the model ran one of the API's
own tools before it answered; each fake sends it in its API's shape, before the reply's text:

==================  ==================================  ==========================================
kind                Responses API output item           Anthropic content blocks
==================  ==================================  ==========================================
``web_search``      ``web_search_call`` (``action``)    ``server_tool_use`` + ``web_search_tool_
                                                        result`` (``result``: the result list)
``file_search``     ``file_search_call`` (``queries``,  (none)
                    ``results``)
``code_interpreter``  ``code_interpreter_call``         ``server_tool_use`` ``code_execution`` +
                    (``code``, ``outputs``)             ``code_execution_tool_result`` (stdout)
``image_generation``  ``image_generation_call``         (none)
                    (``result``: base64 image)
==================  ==================================  ==========================================

The request must have declared the hosted tool (its ``tools`` entry of that type), as with the
real API; Chat Completions has no hosted tools. The scripted provider's interface has no place for
them, so it sends none.

Example:
    >>> call = ServerToolCall("web_search", {"query": "llm fakes"})
    >>> call.kind, call.query
    ('web_search', 'llm fakes')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from llm_fakes.errors import ScriptError

__all__ = ["SERVER_TOOL_KINDS", "ServerToolCall", "ServerToolKind"]

ServerToolKind = Literal["web_search", "file_search", "code_interpreter", "image_generation"]
SERVER_TOOL_KINDS: tuple[str, ...] = (
    "web_search",
    "file_search",
    "code_interpreter",
    "image_generation",
)


@dataclass(frozen=True)
class ServerToolCall:
    """One hosted tool the model ran.

    Attributes:
        kind: ``"web_search"``, ``"file_search"``, ``"code_interpreter"`` or
            ``"image_generation"``.
        input: What it ran on: ``{"query": ...}`` for the searches, ``{"code": ...}`` for code,
            ``{"prompt": ...}`` for images.
        result: What it gave back: search results (a list), the code's output (a str), the image
            (base64 str). ``None``: an empty result.
        id: The item's id (default: generated per turn).
    """

    kind: ServerToolKind
    input: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    id: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in SERVER_TOOL_KINDS:
            raise ScriptError(
                f"ServerToolCall kind {self.kind!r} is not one the fakes send. Use one of "
                f"{list(SERVER_TOOL_KINDS)!r}."
            )

    @property
    def query(self) -> str:
        """The search query (``""`` when none)."""
        return str(self.input.get("query") or "")
