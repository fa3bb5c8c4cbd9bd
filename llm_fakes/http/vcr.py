"""A vcrpy preset for recording LLM APIs at the HTTP level.

:func:`make_vcr` returns a ``vcr.VCR`` (and :func:`vcr_config` the keyword arguments, for
pytest-recording's ``vcr_config`` fixture) that:

* **filters credentials**: every header and query parameter the kit's one list of secret names
  holds (:mod:`llm_fakes.secrets`: ``authorization``, ``x-api-key``, ``x-goog-api-key``, Azure
  ``api-key``, AWS ``x-amz-security-token``, ``cookie``, request- and response-side
  organisation and project ids...; ``key``, ``token``, ``access_token``, ``X-Amz-Signature``...
  in any case), and the password of URL userinfo (``https://user:PASSWORD@...``);
* **scrubs secrets in bodies and header values**: JSON fields named like secrets (``api_key``,
  ``password``, ...) are replaced by ``"REDACTED"``, and anything shaped like a token (OpenAI,
  Anthropic, Google, GitHub, AWS, Slack keys, JWTs, ``bearer`` tokens) or equal to a secret
  environment variable's value (``*_KEY``, ``*_TOKEN``, ``AWS_*``...) is replaced, in requests
  and responses (error bodies included). Scrubbing is symmetric: vcrpy runs the request scrubber
  on each incoming request before matching too, so a scrubbed recording still matches;
* **matches on the canonical JSON body** (``json_body``: key order and whitespace do not matter)
  besides method, scheme, host, port, path and query. The matcher never builds a diff;
* **records SSE readably and replays it intact**: compressed responses are stored decompressed
  (vcrpy decodes gzip and deflate; the preset also decodes zstd and br, which httpx asks for
  when their libraries are installed and vcrpy would store as binary), and the ``llm_yaml``
  serializer writes multi-line bodies (an event stream) as YAML literal blocks, one SSE line per
  line, byte-exact on load.

User settings add to these, never replace them: ``filter_headers=[...]`` extends the list, and a
``before_record_request`` / ``before_record_response`` of yours runs after the scrubbers.

vcrpy itself reads a whole response before handing it on, so while *recording* a stream arrives
all at once, and a replay delivers the body as one chunk: events are identical (SSE is parsed by
lines), chunk timing is not. Record at the provider level (``CassetteProvider``) to keep timing.

Example:
    >>> config = vcr_config(filter_headers=["x-trace-id"])
    >>> "authorization" in config["filter_headers"], "x-trace-id" in config["filter_headers"]
    (True, True)
    >>> config["match_on"]
    ('method', 'scheme', 'host', 'port', 'path', 'query', 'json_body')
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llm_fakes import _scrub
from llm_fakes.secrets import secret_body_fields, secret_headers, secret_query_params

__all__ = [
    "AUTH_HEADERS",
    "canonical_body",
    "json_body_matcher",
    "make_vcr",
    "register",
    "scrub_request",
    "scrub_response",
    "use_cassette",
    "vcr_config",
]

#: Request headers filtered out (credentials): the kit's one list. Every other header's value is
#: scrubbed, and a secret header is dropped from responses too.
AUTH_HEADERS = tuple(sorted(secret_headers()))
#: Query parameters filtered out (credentials); others with a secret name in another case are
#: scrubbed by the request scrubber.
AUTH_QUERY = tuple(sorted(secret_query_params()))
#: Response headers dropped: the same list (cookies, the organisation headers each API names).
RESPONSE_HEADERS_DROPPED = secret_headers()
#: JSON body fields scrubbed: the kit's credential fields.
SECRET_FIELDS = secret_body_fields()
#: A request body's ``token`` is a credential too; a response's is not (log-probabilities).
REQUEST_SECRET_FIELDS = SECRET_FIELDS | {"token"}
REDACTED = "REDACTED"
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "json_body")


def _scrub_value(value: Any, fields: frozenset[str] = SECRET_FIELDS) -> Any:
    if isinstance(value, dict):
        return {
            k: REDACTED if str(k).lower() in fields and v else _scrub_value(v, fields)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub_value(v, fields) for v in value]
    if isinstance(value, str):
        return _scrub.scrub_text(value)
    return value


def _scrub_text(
    body: bytes | str | None, fields: frozenset[str] = SECRET_FIELDS
) -> bytes | str | None:
    """Scrub a body: JSON by field name and key shape (layout kept when nothing changed)."""
    if not body:
        return body
    text = body.decode("utf-8", errors="surrogateescape") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:  # a form body's first field has no "&" before it: give it one
        scrubbed = _scrub.scrub_text("&" + text)[1:]
    else:
        clean = _scrub_value(data, fields)
        scrubbed = text if clean == data else json.dumps(clean, ensure_ascii=False)
    if isinstance(body, bytes):
        return scrubbed.encode("utf-8", errors="surrogateescape")
    return scrubbed


def _scrub_headers(headers: Any) -> None:
    """Drop secret headers (any case) and scrub the values of the others, in place."""
    for name in list(headers):
        if _scrub.is_secret_header(str(name)):
            del headers[name]
            continue
        value = headers[name]
        if isinstance(value, list):
            headers[name] = [_scrub.scrub_text(v) if isinstance(v, str) else v for v in value]
        elif isinstance(value, str):
            headers[name] = _scrub.scrub_text(value)


def scrub_request(request: Any) -> Any:
    """vcrpy ``before_record_request``: scrub the URL (userinfo, secret query parameters in any
    case), the headers and the body.

    Example:
        >>> from vcr.request import Request
        >>> body = b'{"api_key": "abc", "q": "sk-abcdefghijklmnop1234"}'
        >>> r = Request("POST", "https://u:pw123@x/v1?Token=t0k", body, {"X-Goog-Api-Key": "k"})
        >>> r = scrub_request(r)
        >>> r.body
        b'{"api_key": "REDACTED", "q": "<redacted:openai-key>"}'
        >>> r.uri, dict(r.headers)
        ('https://u:<redacted>@x/v1?Token=<redacted>', {})
    """
    request.uri = _scrub.scrub_text(request.uri)
    headers = request.headers
    _scrub_headers(headers)
    request.headers = headers
    request.body = _scrub_text(request.body, REQUEST_SECRET_FIELDS)
    return request


def _decode_body(response: dict[str, Any]) -> None:
    """Decode what vcrpy's ``decode_compressed_response`` leaves encoded (it knows gzip and
    deflate; httpx also asks for zstd, and br when brotli is installed), with httpx's decoders."""
    headers = response.get("headers") or {}
    key = next((k for k in headers if k.lower() == "content-encoding"), None)
    body = (response.get("body") or {}).get("string")
    if key is None or not isinstance(body, bytes):
        return
    values = headers[key] if isinstance(headers[key], list) else [headers[key]]
    encodings = [e.strip() for v in values for e in str(v).split(",") if e.strip()]
    try:
        from httpx._decoders import SUPPORTED_DECODERS
    except ImportError:  # pragma: no cover - a future httpx
        return
    if not all(e in SUPPORTED_DECODERS for e in encodings):
        return
    for encoding in reversed(encodings):
        decoder = SUPPORTED_DECODERS[encoding]()
        body = decoder.decode(body) + decoder.flush()
    response["body"]["string"] = body
    del headers[key]
    for name in [k for k in headers if k.lower() == "content-length"]:
        headers[name] = [str(len(body))]


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response``: decode any body encoding left, drop secret headers
    (cookies, organisation ids...), scrub the other headers' values and the body."""
    _decode_body(response)
    _scrub_headers(response.get("headers") or {})
    body = response.get("body") or {}
    if "string" in body:
        body["string"] = _scrub_text(body["string"])
    return response


@functools.lru_cache(maxsize=4096)
def canonical_body(body: bytes | str | None) -> bytes | str | None:
    """A JSON body with sorted keys and no whitespace; any other body unchanged.

    Example:
        >>> canonical_body(b'{ "b": 1,\\n  "a": [2, 3] }')
        '{"a":[2,3],"b":1}'
    """
    if not body:
        return b""
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return body
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def json_body_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher ``json_body``: equal canonical JSON bodies (raises ``AssertionError`` if not).

    No diff is built, and each distinct body is parsed once (cached), so a scan over a long
    cassette costs one comparison per recorded interaction.
    """
    if canonical_body(r1.body) != canonical_body(r2.body):
        raise AssertionError("the JSON bodies differ")


def _serializer() -> Any:
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        style = "|" if "\n" in data else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    _Dumper.add_representer(str, text)

    class LLMYaml:
        """YAML with multi-line strings (SSE bodies) as literal blocks."""

        @staticmethod
        def serialize(cassette: dict[str, Any]) -> str:
            out: str = yaml.dump(cassette, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
            return out

        @staticmethod
        def deserialize(text: str) -> Any:
            return yaml.safe_load(text)

    return LLMYaml


def _chain(first: Callable[[Any], Any], then: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    if then is None:
        return first

    def both(value: Any) -> Any:
        value = first(value)
        return None if value is None else then(value)

    return both


def vcr_config(**overrides: Any) -> dict[str, Any]:
    """The preset's ``vcr.VCR`` keyword arguments, with ``overrides`` added (see the module doc).

    For pytest-recording, return this from your ``vcr_config`` fixture and call :func:`register`
    from ``pytest_recording_configure`` (it provides the ``json_body`` matcher and ``llm_yaml``).
    """
    config: dict[str, Any] = {
        "filter_headers": list(AUTH_HEADERS),
        "filter_query_parameters": list(AUTH_QUERY),
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "match_on": MATCH_ON,
        "decode_compressed_response": True,
        "serializer": "llm_yaml",
        "record_mode": "once",
    }
    for key in ("filter_headers", "filter_query_parameters", "filter_post_data_parameters"):
        if key in overrides:
            extra = list(overrides.pop(key))
            config[key] = [
                *config.get(key, []),
                *(e for e in extra if e not in config.get(key, [])),
            ]
    config["before_record_request"] = _chain(
        scrub_request, overrides.pop("before_record_request", None)
    )
    config["before_record_response"] = _chain(
        scrub_response, overrides.pop("before_record_response", None)
    )
    config.update(overrides)
    return config


def register(vcr_instance: Any) -> Any:
    """Add the ``json_body`` matcher and the ``llm_yaml`` serializer to a ``vcr.VCR``."""
    vcr_instance.register_matcher("json_body", json_body_matcher)
    vcr_instance.register_serializer("llm_yaml", _serializer())
    return vcr_instance


def make_vcr(**overrides: Any) -> Any:
    """A ``vcr.VCR`` with the preset (and ``overrides``) applied.

    Example:
        >>> my_vcr = make_vcr(record_mode="none")
        >>> my_vcr.record_mode == "none", my_vcr.match_on[-1]
        (True, 'json_body')
    """
    import vcr

    return register(vcr.VCR(**vcr_config(**overrides)))


def use_cassette(path: str | Path, **overrides: Any) -> Any:
    """``make_vcr(**overrides).use_cassette(path)``: a context manager and decorator."""
    return make_vcr(**overrides).use_cassette(str(path))
