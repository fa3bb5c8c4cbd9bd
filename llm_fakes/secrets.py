"""The one list of secret-bearing names: headers, query parameters and JSON body fields.

Redaction (:mod:`llm_fakes.cassettes.redaction`), the vcrpy preset (:mod:`llm_fakes.http.vcr`),
the scrubber every writer uses (:mod:`llm_fakes._scrub`) and the fake servers' request logs all
read these, so a credential one of them drops, all of them drop. Each is the kit-wide names
below, the cloud credentials (Azure, AWS SigV4, Google) whatever API they front, and every API's
own (``secret_headers``, ``secret_query_params``, ``account_headers`` and its ``auth`` of
:data:`~llm_fakes.wire.registry.REGISTRY`), all lower-cased.

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
        "anthropic-api-key",  # a custom header some gateways take
    }
)
#: Credential query parameters whatever the API.
_QUERY = frozenset(
    {"key", "api-key", "api_key", "apikey", "token", "access_token", "id_token", "refresh_token"}
)
#: JSON fields that hold nothing but a credential, wherever they sit in a body. (Not ``token``:
#: log-probabilities carry a ``token`` field that is model output.)
_BODY = frozenset(
    {
        "api_key",
        "apikey",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "secret",
        "password",
    }
)
#: Cloud credentials, whatever the API behind them: Azure keys, AWS SigV4 and session tokens,
#: Google keys.
_CLOUD_HEADERS = frozenset(
    {
        "api-key",  # Azure OpenAI
        "ocp-apim-subscription-key",  # Azure API Management
        "x-amz-security-token",  # AWS session token
        "x-goog-api-key",  # Google
    }
)
_CLOUD_QUERY = frozenset(
    {
        "api-key",  # Azure
        "subscription-key",  # Azure API Management
        "sig",  # Azure shared access signatures
        "x-amz-credential",  # AWS SigV4 presigned URLs
        "x-amz-security-token",
        "x-amz-signature",
        "key",  # Google
    }
)
_CLOUD_BODY = frozenset({"aws_secret_access_key", "aws_session_token", "x-amz-security-token"})


@functools.cache
def secret_headers() -> frozenset[str]:
    """Request and response headers that carry credentials or name the account (never logged,
    never stored): each API's own (its auth header, other credential headers and response
    ``account_headers``, also dropped when a client sends them), the common ones and the cloud
    credentials."""
    from llm_fakes.wire.registry import REGISTRY

    return (_HEADERS | _CLOUD_HEADERS).union(
        *(api.all_secret_headers() | api.account_headers for api in REGISTRY)
    )


@functools.cache
def secret_query_params() -> frozenset[str]:
    """URL query parameters that carry credentials (Gemini's ``?key=``, Azure's ``api-key``)."""
    from llm_fakes.wire.registry import REGISTRY

    return (_QUERY | _CLOUD_QUERY).union(*(api.all_secret_query_params() for api in REGISTRY))


@functools.cache
def secret_body_fields() -> frozenset[str]:
    """JSON field names whose value is a credential wherever they appear (the header names
    too: a raw payload may hold headers as a JSON object)."""
    return _BODY | _CLOUD_BODY | secret_headers()
