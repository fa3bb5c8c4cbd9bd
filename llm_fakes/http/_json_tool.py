"""The fake Anthropic's answer to JSON mode asked as a forced tool carrying the schema.

Before Anthropic had an output format (and still for models without one, or for a schema with an
open object), litellm asks for a response format by offering one tool, ``json_tool_call``, whose
``input_schema`` is the schema, and forcing it with ``tool_choice``; the model answers with a
``tool_use`` of that tool whose ``input`` is the JSON, which litellm turns back into the reply's
text. The wire module reads such a request as the JSON-schema request it is
(:func:`~llm_fakes.wire.anthropic_messages.forced_json_tool`); this answers it as the API does.

Example:
    >>> from llm_fakes.scripted.render import render
    >>> from llm_fakes.scripted.turns import Reply
    >>> body = {"tools": [{"name": "json_tool_call", "input_schema": {}}],
    ...         "tool_choice": {"type": "tool", "name": "json_tool_call"}}
    >>> rendered = render(Reply(json={"a": 1}), [], call_index=0, default_model="m")
    >>> r = as_tool_answer(rendered, body)
    >>> (r.text, r.tool_uses[0].name, r.tool_uses[0].input)
    ('', 'json_tool_call', {'a': 1})
"""

from __future__ import annotations

import json
from typing import Any

from llm_fakes.scripted.render import Rendered
from llm_fakes.types import ToolUse
from llm_fakes.wire.anthropic_messages import JSON_TOOL, forced_json_tool

__all__ = ["as_tool_answer"]


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
