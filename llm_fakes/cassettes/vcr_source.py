"""Reading vcrpy cassettes: both serializers, every body spelling, every content encoding.

A vcrpy cassette is ``{"version": 1, "interactions": [{"request": ..., "response": ...}]}`` in
YAML (vcrpy's default serializer) or JSON, as text or gzip-compressed (LangChain's
``*.yaml.gz``; also base64 of that). Bodies come as text, as bytes (YAML ``!!binary``, which
is base64), as ``{"base64_string": ...}``, or parsed, under ``parsed_body`` (the serializer
pydantic-ai's test suite uses). A response body may still be compressed (``content-encoding``
gzip, deflate, br or zstd, when vcrpy ran without ``decode_compressed_response``); it is decoded
with httpx's decoders, as :mod:`llm_fakes.http.vcr` does (br needs ``brotli``, zstd
``zstandard``).

Example:
    >>> doc = {"interactions": [{"request": {"method": "POST", "uri": "https://x/v1/a",
    ...     "body": '{"a": 1}', "headers": {}}, "response": {"status": {"code": 200},
    ...     "headers": {"Content-Type": ["application/json"]}, "body": {"string": "{}"}}}]}
    >>> [(e.path, e.request_json, e.status, e.body) for e in exchanges(doc)]
    [('/v1/a', {'a': 1}, 200, b'{}')]
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Exchange", "Unreadable", "exchanges", "load_vcr"]


class Unreadable(ValueError):
    """An interaction (or a whole file) that cannot be read; the message is the reason."""


@dataclass(frozen=True, kw_only=True)
class Exchange:
    """One recorded HTTP exchange, bodies decoded.

    Attributes:
        index: Its position in the cassette.
        method, uri, path: The request line (``path`` without the query).
        request_headers: Lower-cased names, first value of each.
        request_json: The request body parsed as JSON (``None`` when it is not JSON).
        status: The response status code.
        headers: The response headers, lower-cased names, first value of each.
        body: The response body, decompressed.
    """

    index: int
    method: str
    uri: str
    path: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_json: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def load_vcr(path: Path) -> dict[str, Any]:
    """Parse a vcrpy cassette file (YAML or JSON, by content).

    Raises:
        Unreadable: It is not a vcrpy cassette.
    """
    import yaml

    from llm_fakes._bounded import InputError, read_bytes, refuse_aliases

    try:
        data = read_bytes(path)
        if data[:2] == b"\x1f\x8b" or data[:4] == b"H4sI":  # gzip, or gzip in base64
            data = _gunzip(data)
        text = data.decode("utf-8")
        refuse_aliases(text, _loader())  # JSON is YAML too: it passes
    except InputError as exc:
        raise Unreadable(f"it {exc.reason}") from None
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        try:
            data = json.loads(text)
        except ValueError:  # not JSON: YAML (a superset, mostly), vcrpy's default
            data = yaml.load(text, _loader())
    except yaml.YAMLError as exc:
        from llm_fakes._yaml import error_position

        raise Unreadable(f"neither JSON nor valid YAML: the YAML breaks{error_position(exc)}") from None
    except ValueError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise Unreadable(f"neither a JSON nor a YAML cassette ({first})") from None
    if isinstance(data, dict) and "header" in data:
        raise Unreadable("already an llm-fakes cassette (nothing to import)")
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise Unreadable("not a vcrpy cassette: no 'interactions' list at the top level")
    return data


def _gunzip(data: bytes) -> bytes:
    """A gzip-compressed cassette (LangChain's ``*.yaml.gz``), or the same in base64 text."""
    import binascii
    import gzip
    import io
    import zlib

    from llm_fakes._bounded import check_size, max_bytes

    try:
        if data[:2] != b"\x1f\x8b":
            data = base64.b64decode(b"".join(data.split()), validate=True)
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            out = f.read(max_bytes() + 1)  # a gzip bomb stops at the size cap
    except (OSError, EOFError, zlib.error, binascii.Error) as exc:
        raise Unreadable(f"gzip-compressed, but cannot be decompressed ({exc})") from None
    check_size(len(out))  # what it decompresses to counts
    return out


@functools.cache
def _loader() -> Any:
    """PyYAML's safe loader (the C one when there, as vcrpy uses), plus the harmless Python
    tags old vcrpy cassettes hold (``!!python/unicode``, ``!!python/str``, ``!!python/tuple``);
    nothing that runs code."""
    import yaml

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    def text(loader: Any, node: Any) -> Any:
        return loader.construct_scalar(node)

    def pair(loader: Any, node: Any) -> Any:
        return tuple(loader.construct_sequence(node))

    for tag in ("python/unicode", "python/str"):
        Loader.add_constructor(f"tag:yaml.org,2002:{tag}", text)
    Loader.add_constructor("tag:yaml.org,2002:python/tuple", pair)
    return Loader


def _first(headers: Any) -> dict[str, str]:
    if not isinstance(headers, dict):
        return {}
    out: dict[str, str] = {}
    for name, value in headers.items():
        values = value if isinstance(value, list) else [value]
        if values:
            out[str(name).lower()] = str(values[0])
    return out


def _raw_body(data: dict[str, Any], response: bool) -> bytes | None:
    if "parsed_body" in data:
        return json.dumps(data["parsed_body"]).encode()
    body = data.get("body")
    if response and isinstance(body, dict) and "string" in body:
        body = body["string"]
    if isinstance(body, dict):
        for key in ("base64_string", "base64"):
            if isinstance(body.get(key), str):
                try:
                    return base64.b64decode(body[key], validate=True)
                except ValueError:
                    raise Unreadable(f"body.{key} is not valid base64") from None
        raise Unreadable(f"the body is a mapping with keys {sorted(body)!r}, not a body")
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", errors="surrogateescape")
    raise Unreadable(f"the body is a {type(body).__name__}, not text or bytes")


def _decode(body: bytes, headers: dict[str, Any]) -> bytes:
    """Undo ``content-encoding`` (as :func:`llm_fakes.http.vcr._decode_body`, which it reuses)."""
    from llm_fakes.http.vcr import _decode_body

    key = next((k for k in headers if k.lower() == "content-encoding"), None)
    if key is None:
        return body
    response = {"headers": dict(headers), "body": {"string": body}}
    _decode_body(response)
    if any(k.lower() == "content-encoding" for k in response["headers"]):
        value = headers[key]
        missing = {"br": "brotli", "zstd": "zstandard"}
        names = [e.strip() for v in (value if isinstance(value, list) else [value])
                 for e in str(v).split(",")]
        hint = "; ".join(f"{n} needs: pip install {missing[n]}" for n in names if n in missing)
        raise Unreadable(
            f"the response body is encoded {', '.join(names)!s}, which cannot be decoded here"
            + (f" ({hint})" if hint else "")
        )
    decoded: bytes = response["body"]["string"]
    return decoded


def exchanges(doc: dict[str, Any]) -> Iterator[Exchange | Unreadable]:
    """Each interaction of a parsed vcrpy cassette: an :class:`Exchange`, or why it is not one
    (an :class:`Unreadable` whose ``args[1]`` is the index)."""
    for index, item in enumerate(doc.get("interactions") or ()):
        try:
            yield _exchange(index, item)
        except Unreadable as exc:
            yield Unreadable(str(exc), index)
        except Exception as exc:  # a decoder's own error: the body is damaged
            yield Unreadable(f"the body cannot be decoded ({type(exc).__name__}: {exc})", index)


def _exchange(index: int, item: Any) -> Exchange:
    if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
        raise Unreadable("the interaction has no 'request' mapping")
    request, response = item["request"], item.get("response")
    if not isinstance(response, dict):
        raise Unreadable("the interaction has no 'response' mapping")
    uri = str(request.get("uri") or "")
    raw = _raw_body(request, response=False)
    request_json = None
    if raw:
        try:
            request_json = json.loads(raw)
        except ValueError:
            request_json = None
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else status
    if not isinstance(code, int):
        raise Unreadable(f"the response status is {status!r}, not a code")
    headers: dict[str, Any] = response["headers"] if isinstance(response.get("headers"), dict) else {}
    body = _raw_body(response, response=True) or b""
    body = _decode(body, headers)
    return Exchange(
        index=index,
        method=str(request.get("method") or "GET").upper(),
        uri=uri,
        path=urlsplit(uri).path,
        request_headers=_first(request.get("headers")),
        request_json=request_json,
        status=code,
        headers={k: v for k, v in _first(headers).items() if k != "content-encoding"},
        body=body,
    )
