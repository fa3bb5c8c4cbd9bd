"""What a served cassette needs to know of each API, in one place: which API a path is, how its
request reads in the kit's terms, and which fake renders its responses. Every answer comes from
the wire registry (:data:`~llm_fakes.wire.registry.REGISTRY`); nothing here names an API.

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
from typing import Any

from llm_fakes.cassettes.wire_formats import WireFormat, format_for, formats

__all__ = ["api_for", "fake_for", "read_request", "served_paths"]


def api_for(path: str) -> WireFormat | None:
    """The API whose endpoint ``path`` (query allowed) is, else ``None``."""
    return format_for(path.split("?", 1)[0])


def served_paths() -> list[str]:
    """The endpoints a served cassette answers, for the 404 of any other path."""
    return [fmt.api.describe_paths() for fmt in formats()]


def read_request(
    fmt: WireFormat, path: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool, str]:
    """``(request, stream, model)``: the request in the kit's terms (as a cassette stores it),
    whether it asks for a stream, and the model it names (in the body, or in the path).

    Raises:
        KeyError, TypeError, AttributeError, ValueError: It does not read as ``fmt``'s request.
    """
    request = fmt.read_request(body, path)
    return request, fmt.api.is_stream(path, body), fmt.api.model_of(path, body)


@functools.cache
def _fake(dotted: str) -> Any:
    from llm_fakes.wire.base import load

    return load(dotted)()


def fake_for(fmt: WireFormat) -> Any:
    """The fake server speaking ``fmt``: its ``endpoint(method, path)`` renders a response,
    its ``error_body`` and ``overloaded`` an error, in that API's shape."""
    return _fake(fmt.api.fake)
