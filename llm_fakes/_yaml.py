"""Cassette YAML: a canonical emitter and a fast reader for exactly what it emits.

PyYAML builds every node through Python-level resolvers and constructors, even with its C
parser: about as slow per node as vcrpy's whole load. Cassettes are written by this emitter in a
small, regular subset of YAML (block mappings and sequences; JSON-escaped double-quoted strings;
literal blocks for multi-line text; plain scalars only where PyYAML reads them back as strings),
and :func:`loads` reads that subset line by line, several times faster. Anything outside the
subset (a comment, an anchor, a hand-written flow list, a CRLF file) makes the fast reader give up
and PyYAML's safe loader reads the file instead, so a hand-edited cassette loads as YAML always
would. The property tests check that both readers agree on everything the emitter writes.

Example:
    >>> text = dumps({"a": [1, "x y"], "b": {"c": "two\\nlines\\n"}})
    >>> print(text, end="")
    a:
    - 1
    - x y
    b:
      c: |
        two
        lines
    >>> loads(text) == {"a": [1, "x y"], "b": {"c": "two\\nlines\\n"}}
    True
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["NotCanonical", "dumps", "error_position", "fast_loads", "loads"]

_RESERVED = frozenset({"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"})
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PLAIN_VALUE = re.compile(r"[A-Za-z](?:[A-Za-z0-9 _.,/()'!?+=-]*[A-Za-z0-9_.,/()'!?+=-])?\Z")
# Characters YAML cannot hold literally (or would read as line breaks): escaped when quoted.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\ufffe\uffff]"
)
_NOT_IN_LITERAL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\ufffe\uffff]|[ \t]\n|[ \t]\\Z"
)
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+(?:e[-+][0-9]+)?\Z")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))|\\')
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r"}
_SIMPLE_ESCAPES["t"] = "\t"


class NotCanonical(Exception):
    """The text is outside the subset the fast reader understands (PyYAML reads it instead)."""


# --------------------------------------------------------------------------------- emitting


def _quote(text: str) -> str:
    out: str = json.dumps(text, ensure_ascii=False)
    if _UNPRINTABLE.search(out):
        out = _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return out


def _key(key: Any) -> str:
    text = str(key)
    if _PLAIN_KEY.match(text) and text.lower() not in _RESERVED:
        return text
    return _quote(text)


def _literal_ok(text: str) -> bool:
    if "\n" not in text or text[0] in " \t\n":
        return False
    return not _NOT_IN_LITERAL.search(text)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "." not in text:  # 1e-07 is a string to YAML 1.1; 1.0e-07 is a float
            mantissa, _, exponent = text.partition("e")
            text = f"{mantissa}.0e{exponent}" if exponent else f"{mantissa}.0"
        return text
    if isinstance(value, str):
        if _PLAIN_VALUE.match(value) and value.lower() not in _RESERVED:
            return value
        return _quote(value)
    raise TypeError(f"cannot write {type(value).__name__} {value!r} to a cassette")


def _literal(text: str, indent: int, out: list[str]) -> str:
    """Write ``text`` as a literal block's lines; return the block's indicator."""
    pad = " " * indent
    body = text[:-1] if text.endswith("\n") else text
    out.extend(pad + line if line else "" for line in body.split("\n"))
    if text.endswith("\n\n"):
        return "|+"  # keep: the trailing empty lines are part of the text (an SSE body's end)
    return "|" if text.endswith("\n") else "|-"


def _emit_value(head: str, value: Any, indent: int, out: list[str], in_seq: bool) -> None:
    """Write ``value`` after ``head`` (``"key:"`` or ``"-"``), nested at ``indent``."""
    if isinstance(value, dict):
        if not value:
            out.append(head + " {}")
        elif in_seq:  # "- first: ..." then the other keys aligned under it
            start = len(out)
            _emit_mapping(value, indent, out)
            out[start] = head + " " + out[start][indent:]
        else:
            out.append(head)
            _emit_mapping(value, indent, out)
    elif isinstance(value, list | tuple):
        if not value:
            out.append(head + " []")
        else:
            out.append(head)
            # A sequence under a key sits at the key's own indent, as PyYAML writes it.
            _emit_sequence(value, indent if in_seq else indent - 2, out)
    elif isinstance(value, str) and _literal_ok(value):
        at = len(out)
        out.append("")
        out[at] = head + " " + _literal(value, indent, out)
    else:
        out.append(head + " " + _scalar(value))


def _emit_mapping(mapping: dict[Any, Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in mapping.items():
        _emit_value(pad + _key(key) + ":", value, indent + 2, out, False)


def _emit_sequence(items: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        _emit_value(pad + "-", item, indent + 2, out, True)


def dumps(document: dict[str, Any]) -> str:
    """Write a mapping of plain data (dict, list, str, int, float, bool, None) as YAML."""
    out: list[str] = []
    _emit_mapping(document, 0, out)
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------------- reading

_CONSTANTS: dict[str, Any] = {"null": None, "true": True, "false": False}
# Plain keys and values already checked against the YAML resolvers (cassettes repeat them a lot).
_GOOD_KEYS: set[str] = set()
_GOOD_PLAIN: set[str] = set()


def _unescape(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return chr(int(m.group(1), 16))
        if m.group(2) is not None:
            return _SIMPLE_ESCAPES[m.group(2)]
        raise NotCanonical("escape")

    return _ESCAPE.sub(one, body)


def _quoted_at(text: str, start: int) -> tuple[str, int]:
    m = _QUOTED.match(text, start)
    if m is None:
        raise NotCanonical("quote")
    body = m.group()[1:-1]
    return (_unescape(body) if "\\" in body else body), m.end()


def _parse_scalar(token: str) -> Any:
    first = token[0]
    if first == '"':
        if "\\" not in token and token.find('"', 1) == len(token) - 1:
            return token[1:-1]
        value, end = _quoted_at(token, 0)
        if end != len(token):
            raise NotCanonical("after quote")
        return value
    if token in _GOOD_PLAIN:
        return token
    if token in _CONSTANTS:
        return _CONSTANTS[token]
    if first == "[" or first == "{":
        if token == "[]":
            return []
        if token == "{}":
            return {}
        raise NotCanonical("flow collection")
    if first == "-" or first.isdigit():
        if _INT.match(token):
            return int(token)
        if _FLOAT.match(token):
            return float(token)
    if token in (".inf", "-.inf", ".nan"):
        return float(token.replace(".", ""))
    if _PLAIN_VALUE.match(token) and token.lower() not in _RESERVED:
        if len(_GOOD_PLAIN) < 4096:
            _GOOD_PLAIN.add(token)
        return token
    raise NotCanonical("scalar")


def _plain_key(body: str) -> tuple[str, int]:
    end = body.find(":")
    key = body[:end]
    if key not in _GOOD_KEYS:
        if end < 0 or not _PLAIN_KEY.match(key) or key.lower() in _RESERVED:
            raise NotCanonical("key")
        if len(_GOOD_KEYS) < 4096:
            _GOOD_KEYS.add(key)
    return key, end


class _Reader:
    """A recursive-descent reader over (indent, body) lines."""

    __slots__ = ("bodies", "indents", "n")

    def __init__(self, text: str) -> None:
        lines = text.split("\n")
        if lines.pop() != "":
            raise NotCanonical("no final newline")
        self.bodies = [line.lstrip(" ") for line in lines]
        self.indents = [len(a) - len(b) for a, b in zip(lines, self.bodies, strict=True)]
        self.n = len(lines)

    def literal(self, i: int, indent: int, style: str) -> tuple[str, int]:
        parts = []
        indents, bodies, n = self.indents, self.bodies, self.n
        while i < n:
            body = bodies[i]
            if not body:  # an empty (or blank) line inside the block
                if indents[i]:
                    raise NotCanonical("blank line in literal")
                parts.append("")
            elif indents[i] >= indent:
                parts.append(" " * (indents[i] - indent) + body)
            else:
                break
            i += 1
        if style != "|+":  # clip and strip drop the trailing empty lines
            while parts and parts[-1] == "":
                parts.pop()
                i -= 1
        if not parts or parts[0][:1] in ("", " ", "\t"):
            raise NotCanonical("literal indentation")
        text = "\n".join(parts)
        return (text if style == "|-" else text + "\n"), i

    def nested(self, i: int, indent: int, seq_at: int) -> tuple[Any, int]:
        """The block value starting on line ``i``: a mapping at ``indent``, or a sequence."""
        if i >= self.n:
            raise NotCanonical("missing value")
        at = self.indents[i]
        is_seq = self.bodies[i][:1] == "-"
        if is_seq and at == seq_at:
            return self.sequence(i, at)
        if at != indent:
            raise NotCanonical("indentation")
        return self.sequence(i, at) if is_seq else self.mapping(i, at)

    def value(self, rest: str, i: int, indent: int, seq_at: int) -> tuple[Any, int]:
        """The value whose text after ``key:`` or ``-`` is ``rest``; line ``i`` comes next."""
        if not rest:
            return self.nested(i, indent, seq_at)
        if rest[0] != " " or len(rest) < 2:
            raise NotCanonical("after colon")
        token = rest[1:]
        if token == "|" or token == "|-" or token == "|+":
            return self.literal(i, indent, token)
        return _parse_scalar(token), i

    def mapping(self, i: int, indent: int, first: str = "") -> tuple[dict[str, Any], int]:
        out: dict[str, Any] = {}
        indents, bodies, n = self.indents, self.bodies, self.n
        while True:
            if first:
                body, first = first, ""
            else:
                if i >= n:
                    break
                at = indents[i]
                body = bodies[i]
                if at != indent:
                    if at > indent or not body:
                        raise NotCanonical("indentation")
                    break
                if body[0] == "-":
                    break
                i += 1
            if body[0] == '"':
                key, end = _quoted_at(body, 0)
                if body[end : end + 1] != ":":
                    raise NotCanonical("key colon")
            else:
                key, end = _plain_key(body)
            rest = body[end + 1 :]
            if len(rest) > 1 and rest[0] == " " and rest[1] != "|":
                out[key] = _parse_scalar(rest[1:])
            else:
                out[key], i = self.value(rest, i, indent + 2, indent)
        return out, i

    def sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        indents, bodies, n = self.indents, self.bodies, self.n
        while i < n:
            body = bodies[i]
            if indents[i] != indent or body[:1] != "-":
                if indents[i] > indent or not body:
                    raise NotCanonical("indentation")
                break
            rest = body[1:]
            if rest[:1] == " " and _is_key(rest[1:]):
                value, i = self.mapping(i + 1, indent + 2, first=rest[1:])
            else:
                value, i = self.value(rest, i + 1, indent + 2, -1)
            out.append(value)
        return out, i


def _is_key(body: str) -> bool:
    if body.startswith('"'):
        m = _QUOTED.match(body)
        return m is not None and body[m.end() : m.end() + 1] == ":"
    colon = body.find(":")
    return colon > 0 and body[colon + 1 : colon + 2] in ("", " ") and " " not in body[:colon]


def fast_loads(text: str) -> Any:
    """Read text in the emitter's subset; raises :class:`NotCanonical` on anything else."""
    if _UNPRINTABLE.search(text) or "\t\n" in text or " \n" in text:
        raise NotCanonical("characters outside the subset")
    reader = _Reader(text)
    if reader.n == 0 or reader.indents[0] or reader.bodies[0][:1] in ("", "-", "#", "%"):
        raise NotCanonical("document start")
    value, end = reader.mapping(0, 0)
    if end != reader.n:
        raise NotCanonical("trailing text")
    return value


def loads(text: str) -> Any:
    """Read a cassette's YAML: the fast reader, else PyYAML's (C) safe loader.

    Raises:
        yaml.YAMLError: The text is not YAML at all.
        llm_fakes._bounded.InputError: Its aliases expand beyond the budget (an alias bomb).
    """
    try:
        return fast_loads(text)
    except (NotCanonical, IndexError, ValueError):
        import yaml

        from llm_fakes._bounded import refuse_aliases

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        refuse_aliases(text, loader)
        return yaml.load(text, Loader=loader)


def _at(mark: Any) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""


def error_position(exc: Any) -> str:
    """Where a PyYAML error is, for a person: the start of a value left open, else where it stopped.

    `` at line 3, column 13, where a value that is never closed starts: <problem> at line 9,
    column 1 (<context>)``, or `` at line 4, column 2: <problem> (<context>)``: the text to put
    after "is not valid YAML".

    PyYAML notices an unclosed quote or bracket only where it runs out of text (often the end of
    the file); its ``context_mark`` says where that value started, which is the line to fix.
    """
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None) or ""
    stopped = _at(getattr(exc, "problem_mark", None))
    started = getattr(exc, "context_mark", None)
    if started and context.startswith(("while scanning a quoted", "while parsing a flow")):
        return (
            f"{_at(started)}, where a value that is never closed starts: {problem}{stopped} "
            f"({context})"
        )
    return f"{stopped}: {problem}{f' ({context})' if context else ''}"
