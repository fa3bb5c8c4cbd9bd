"""What a served cassette needs to know of each API, in one place: which API a path is, how its
request reads in the kit's terms, and which fake renders its responses.

Every answer comes from the wire formats the importer uses
(:mod:`~llm_fakes.cassettes.wire_formats`) and the fakes that serve each API; nothing here names
an API. (When the wire registry of issue 18 lands, these become lookups in it.)

Example:
    >>> api_for("/v1/chat/completions").name, api_for("/v1/embeddings") is None
    ('openai-chat', True)
    >>> read_request(api_for("/v1/messages"), "/v1/messages",
    ...     {"model": "claude-x", "max_tokens": 5, "stream": True,
    ...      "messages": [{"role": "user", "content": "hi"}]})
    ({'messages': [{'role': 'user', 'content': 'hi'}], 'max_tokens': 5}, True, 'claude-x')
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import unquote

from llm_fakes.cassettes.wire_formats import WireFormat, format_for, formats

__all__ = ["api_for", "fake_for", "read_request", "served_paths"]

# Azure OpenAI's /openai/deployments/{deployment}/chat/completions: the model is in the path.
_DEPLOYMENT = re.compile(r"/deployments/([^/]+)/")


def api_for(path: str) -> WireFormat | None:
    """The API whose endpoint ``path`` (query allowed) is, else ``None``."""
    return format_for(path.split("?", 1)[0])


def served_paths() -> list[str]:
    """The endpoints a served cassette answers, for the 404 of any other path."""
    return [f"POST *{fmt.path_suffix}" for fmt in formats()]


def model_in_path(path: str) -> str:
    """The model an Azure deployment path names (``""`` for other paths)."""
    found = _DEPLOYMENT.search(path.split("?", 1)[0])
    return unquote(found.group(1)) if found else ""


def read_request(
    fmt: WireFormat, path: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool, str]:
    """``(request, stream, model)``: the request in the kit's terms (as a cassette stores it),
    whether it asks for a stream, and the model it names.

    Raises:
        KeyError, TypeError, AttributeError, ValueError: It does not read as ``fmt``'s request.
    """
    model = body.get("model") or model_in_path(path)
    if model and not body.get("model"):
        body = {**body, "model": model}
    return fmt.read_request(body), bool(body.get("stream")), str(model or "")


@functools.cache
def _fakes() -> dict[str, Any]:
    from llm_fakes.http.fake_anthropic import FakeAnthropic
    from llm_fakes.http.fake_openai import FakeOpenAI

    return {"openai": FakeOpenAI(), "anthropic": FakeAnthropic()}


def fake_for(fmt: WireFormat) -> Any:
    """The fake server speaking ``fmt``: its ``endpoint(method, path)`` renders a response,
    its ``error_body`` and ``overloaded`` an error, in that API's shape."""
    family = fmt.name.split("-", 1)[0]
    return _fakes()[family]
