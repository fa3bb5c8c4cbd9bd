"""The one list of secret-bearing names: headers, query parameters and JSON body fields.

Redaction (:mod:`llm_fakes.cassettes.redaction`), the vcrpy preset (:mod:`llm_fakes.http.vcr`)
and the fake servers' request logs all read these, so a credential one of them drops, all of them
drop. Each is the kit-wide names below plus every API's own (``secret_headers``,
``secret_query_params`` and its ``auth`` of :data:`~llm_fakes.wire.registry.REGISTRY`), all
lower-cased.

Example:
    >>> {"authorization", "x-api-key", "x-goog-api-key"} <= secret_headers()
    True
    >>> "key" in secret_query_params(), "api_key" in secret_body_fields()
    (True, True)
"""

from __future__ import annotations

import functools

__all__ = ["secret_body_fields", "secret_headers", "secret_query_params"]

#: Credential headers whatever the API (cookies, proxies, the common key headers).
_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
    }
)
#: Credential query parameters whatever the API.
_QUERY = frozenset({"key", "api-key", "api_key"})
#: JSON fields that hold nothing but a credential, wherever they sit in a body.
_BODY = frozenset(
    {
        "api_key",
        "apikey",
        "client_secret",
        "access_token",
        "refresh_token",
    }
)


@functools.cache
def secret_headers() -> frozenset[str]:
    """Request and response headers that carry credentials (never logged, never stored)."""
    from llm_fakes.wire.registry import REGISTRY

    return _HEADERS.union(*(api.all_secret_headers() for api in REGISTRY))


@functools.cache
def secret_query_params() -> frozenset[str]:
    """URL query parameters that carry credentials (Gemini's ``?key=``, Azure's ``api-key``)."""
    from llm_fakes.wire.registry import REGISTRY

    return _QUERY.union(*(api.all_secret_query_params() for api in REGISTRY))


@functools.cache
def secret_body_fields() -> frozenset[str]:
    """JSON field names whose value is a credential wherever they appear (the header names
    too: a raw payload may hold headers as a JSON object)."""
    return _BODY | secret_headers()
