"""JSON mode asked of the Anthropic Messages API as a forced tool carrying the schema.

Before Anthropic had an output format (and still for models without one, or for a schema with an
open object), litellm asks for a response format by offering one tool, ``json_tool_call``, whose
``input_schema`` is the schema, and forcing it with ``tool_choice``; the model answers with a
``tool_use`` of that tool whose ``input`` is the JSON, which litellm turns back into the reply's
text. The fake reads such a request as the JSON-schema request it is and answers as the API does.

Kept in its own module, to move into the Anthropic wire module with issue 18.

Example:
    >>> body = {"tools": [{"name": "json_tool_call", "input_schema": {"type": "object"}}],
    ...         "tool_choice": {"type": "tool", "name": "json_tool_call"}}
    >>> forced_json_tool(body)["input_schema"]
    {'type': 'object'}
"""

from __future__ import annotations

import json
from typing import Any

from llm_fakes.scripted.render import Rendered
from llm_fakes.types import ToolUse

__all__ = ["JSON_TOOL", "as_tool_answer", "forced_json_tool"]

#: litellm's name for the forced tool (its ``RESPONSE_FORMAT_TOOL_NAME``).
JSON_TOOL = "json_tool_call"


def forced_json_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """The ``json_tool_call`` tool when the request forces it, else None."""
    choice = body.get("tool_choice")
    if not (isinstance(choice, dict) and choice.get("type") == "tool"):
        return None
    if choice.get("name") != JSON_TOOL:
        return None
    for tool in body.get("tools") or ():
        if isinstance(tool, dict) and tool.get("name") == JSON_TOOL:
            return tool
    return None


def as_tool_answer(r: Rendered, body: dict[str, Any]) -> Rendered:
    """``r`` as the API answers a forced ``json_tool_call``: its JSON text as that tool's input
    (unchanged when the request forces no such tool, or the text is not JSON)."""
    if r.tool_uses or forced_json_tool(body) is None:
        return r
    try:
        value = json.loads(r.text)
    except ValueError:
        return r
    return Rendered(
        text="",
        reasoning=r.reasoning,
        tool_uses=(ToolUse(id="toolu_llmfakes_json", name=JSON_TOOL, input=value),),
        stop_reason="tool_calls",
        model=r.model,
        input_tokens=r.input_tokens,
        output_tokens=r.output_tokens,
        cached_tokens=r.cached_tokens,
        reasoning_chunks=r.reasoning_chunks,
        chunking=r.chunking,
    )
