"""Script files: the same scripts as in code, in YAML or JSON, validated with pydantic.

A file is either a list of turns, or a mapping with ``turns``, optional ``rules`` and optional
provider settings (``model``, ``chunking``, ``on_exhausted``)::

    model: gpt-fake
    turns:
      - Hello!                                  # a str is a text reply
      - {text: "Checking.", tool_calls: [{name: search, input: {q: paris}}]}
      - {json: {city: Paris, temp_c: 21}}
      - {near_json: {value: {city: Paris}, flaw: truncated}}   # Reply.near_json(...)
      - {fail: rate_limit, retry_after: 2}
      - {fail: server_error, status: 503}
      - {fail: mid_stream, reply: "Hello wor", after_chunk: 1, recoverable: false}
    rules:
      - {last_user: "(?i)weather", times: 1, reply: "Sunny."}

An error names the file, the entry and the field, and says how to fix it. ``yaml`` and
``pydantic`` are imported only when a file is loaded.

Example:
    >>> import json, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.json"
    >>> _ = path.write_text(json.dumps(["Hi", {"fail": "overloaded"}]))
    >>> load_script(path)
    [Reply(text='Hi'), Fail.overloaded()]
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_fakes.errors import ScriptError
from llm_fakes.scripted.rules import Rule
from llm_fakes.scripted.turns import Fail, Reply, ToolCall, Turn

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["LoadedScript", "load_script", "load_script_file"]

_REPLY_FIELDS = [
    "text",
    "json",
    "tool_calls",
    "reasoning",
    "stop_reason",
    "model",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "chunks",
    "invalid_json",
    "near_json",
]
_TOOL_CALL_FIELDS = ["name", "input", "id"]
_NEAR_JSON_FIELDS = ["value", "flaw", "schema", "variant"]
_FAIL_FIELDS = ["fail", "message", "status", "retry_after", "after_chunk", "recoverable", "reply"]
_RULE_FIELDS = ["last_user", "system", "tool_result", "times", "reply"]
_TOP_FIELDS = ["turns", "rules", "model", "chunking", "on_exhausted"]
_FAIL_KINDS = [
    "rate_limit",
    "overloaded",
    "server_error",
    "empty",
    "timeout",
    "connection",
    "bad_request",
    "auth",
    "mid_stream",
]


class LoadedScript(list[Turn]):
    """A parsed script file: its turns (the list itself), its ``rules`` and its ``settings``.

    It is a list of turns, so it goes wherever a script does, and ``ScriptedProvider``,
    ``FakeOpenAI``, ``FakeAnthropic`` and ``serve`` read its rules and settings too. It is true
    when it holds a turn or a rule: a file of rules alone is not an empty script.

    Example:
        >>> from llm_fakes.scripted.rules import Rule
        >>> loaded = LoadedScript([], rules=[Rule(last_user="hi", turn=Reply(text="Hello!"))])
        >>> bool(loaded), len(loaded), len(loaded.rules)
        (True, 0, 1)
    """

    __slots__ = ("rules", "settings")

    def __init__(
        self,
        turns: Iterable[Turn] = (),
        rules: Iterable[Rule] = (),
        settings: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(turns)
        #: The file's rules, checked before its turns (in this order).
        self.rules: list[Rule] = list(rules)
        #: The file's provider settings (``model``, ``chunking``, ``on_exhausted``): defaults
        #: that a provider's own arguments override.
        self.settings: dict[str, Any] = dict(settings or {})

    @property
    def turns(self) -> list[Turn]:
        """The turns, as a plain list."""
        return list(self)

    def __bool__(self) -> bool:
        return bool(len(self) or self.rules)

    def __repr__(self) -> str:
        if not self.rules and not self.settings:
            return super().__repr__()
        return f"LoadedScript({list(self)!r}, rules={self.rules!r}, settings={self.settings!r})"


def load_script(path: str | Path) -> LoadedScript:
    """Load a YAML or JSON script file: its turns, its rules and its settings.

    The result is a list of the file's turns that also carries ``rules`` and ``settings``; pass
    it to ``ScriptedProvider``, ``FakeOpenAI`` or ``FakeAnthropic`` and all three apply.

    Raises:
        ScriptError: The file is missing, unparsable or has a bad entry (named with its field).
    """
    p = Path(path)
    data = _read(p)
    models = _models()
    where = f"Script file {str(p)!r}"
    if isinstance(data, list):
        data = {"turns": data}
    if not isinstance(data, dict):
        raise ScriptError(
            f"{where} must hold a list of turns or a mapping with 'turns', got "
            f"{type(data).__name__}: {data!r}. Put the turns in a list."
        )
    if "interactions" in data and "turns" not in data and "rules" not in data:
        raise ScriptError(
            f"{where} is a cassette (it has interactions), not a script file. Replay it with "
            f"CassetteProvider({str(p)!r}) or the llm_cassette fixture, or serve it with "
            f"llm-fakes serve --cassette {p}."
        )
    unknown = sorted(set(data) - set(_TOP_FIELDS), key=repr)
    if unknown:
        raise ScriptError(
            f"{where} has unknown top-level key(s) {unknown!r}; known keys: {_TOP_FIELDS!r}. "
            f"Rename or remove them."
        )
    turns_data = data.get("turns") or []
    rules_data = data.get("rules") or []
    for key, value in (("turns", turns_data), ("rules", rules_data)):
        if not isinstance(value, list):
            raise ScriptError(
                f"{where}: {key!r} must be a list, got {type(value).__name__}: {value!r}."
            )
    settings = {k: data[k] for k in ("model", "chunking", "on_exhausted") if k in data}
    _check_settings(settings, where)
    turns = [_turn(entry, f"turns[{i}]", where, models) for i, entry in enumerate(turns_data)]
    rules = [_rule(entry, f"rules[{i}]", where, models) for i, entry in enumerate(rules_data)]
    return LoadedScript(turns, rules, settings)


#: The former name of :func:`load_script`, which now returns the rules and settings too.
load_script_file = load_script


def _check_settings(settings: dict[str, Any], where: str) -> None:
    """The provider settings a file gives, checked here so the error names the file."""
    from llm_fakes.scripted.render import chunk_text
    from llm_fakes.scripted.script import Script

    model = settings.get("model", "m")
    try:
        if not isinstance(model, str) or not model:
            raise ScriptError(f"model must be a non-empty str, got {model!r}")
        chunk_text("a b", settings.get("chunking", "words"))
        Script([], on_exhausted=settings.get("on_exhausted", "raise"))
    except ScriptError as exc:
        raise ScriptError(f"{where}, top-level settings: {exc}. Fix that value.") from None


def _read(p: Path) -> Any:
    suffix = p.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise ScriptError(
            f"Script file {str(p)!r} has an unknown extension {suffix!r}; "
            f"use one of ['.yaml', '.yml', '.json']."
        )
    from llm_fakes._bounded import InputError, read_text

    try:
        text = read_text(p)
    except InputError as exc:
        raise ScriptError(f"Script file {str(p)!r} {exc.reason}") from None
    except FileNotFoundError:
        raise ScriptError(
            f"Script file {str(p)!r} does not exist (looked at {str(p.resolve())!r}). "
            f"Create it, or fix the path."
        ) from None
    except UnicodeDecodeError as exc:
        raise ScriptError(
            f"Script file {str(p)!r} is not UTF-8 text ({exc.reason} at byte {exc.start}). "
            "Save it as UTF-8."
        ) from None
    try:
        return _parse(p, suffix, text)
    except RecursionError:
        raise ScriptError(
            f"Script file {str(p)!r} is nested too deeply to read (lists or mappings hundreds "
            "of levels deep). Flatten it."
        ) from None


def _parse(p: Path, suffix: str, text: str) -> Any:
    if suffix == ".json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ScriptError(
                f"Script file {str(p)!r} is not valid JSON: {exc}. Fix the JSON at that position."
            ) from None
    import yaml

    from llm_fakes._bounded import InputError, refuse_aliases
    from llm_fakes._yaml import error_position

    try:
        refuse_aliases(text)
        return yaml.safe_load(text)
    except InputError as exc:
        raise ScriptError(f"Script file {str(p)!r} {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise ScriptError(
            f"Script file {str(p)!r} is not valid YAML{error_position(exc)}. Fix the YAML there."
        ) from None


def _models() -> dict[str, Any]:
    """The pydantic models, built on first use so importing this module stays cheap."""
    global _MODELS
    if _MODELS is None:
        from llm_fakes.scripted import _file_models

        _MODELS = _file_models.MODELS
    return _MODELS


_MODELS: dict[str, Any] | None = None


def _loc(parts: tuple[int | str, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fail_from(error: ValidationError, entry: str, where: str, known: list[str]) -> ScriptError:
    first = error.errors()[0]
    loc = _loc(tuple(p for p in first["loc"] if p not in ("str", "function-after")))
    at = f"{where}, entry {entry}, field {loc!r}" if loc else f"{where}, entry {entry}"
    kind = first["type"]
    if kind == "extra_forbidden":
        # ``('tool_calls', 0, 'inputs')``: the unknown key is a tool call's, not the entry's.
        raw = tuple(first["loc"])
        if len(raw) == 3 and raw[0] == "tool_calls" and isinstance(raw[1], int):
            known, whose = _TOOL_CALL_FIELDS, "Known fields of a tool call"
        elif len(raw) == 2 and raw[0] == "near_json":
            known, whose = _NEAR_JSON_FIELDS, "Known fields of near_json"
        else:
            whose = "Known fields"
        return ScriptError(f"{at}: unknown field. {whose}: {known!r}. Rename or remove {loc!r}.")
    if kind == "missing":
        return ScriptError(f"{at}: required field missing. Add {loc!r} to the entry.")
    return ScriptError(f"{at}: {first['msg']} (got {first.get('input')!r}). Fix that value.")


def _reply(data: Any, entry: str, where: str, models: dict[str, Any]) -> Reply:
    from pydantic import ValidationError

    if isinstance(data, str):
        return Reply(text=data)
    try:
        m = models["reply"].model_validate(data)
    except ValidationError as exc:
        raise _fail_from(exc, entry, where, _REPLY_FIELDS) from None
    kwargs: dict[str, Any] = {
        name: getattr(m, name)
        for name in m.model_fields_set
        if name not in ("json_", "tool_calls", "near_json")
    }
    if "json_" in m.model_fields_set:
        kwargs["json"] = m.json_
    kwargs["tool_calls"] = [ToolCall(c.name, dict(c.input), c.id) for c in m.tool_calls]
    try:
        if m.near_json is not None:
            return _near_json(m.near_json, kwargs)
        return Reply(**kwargs)
    except ScriptError as exc:
        raise ScriptError(f"{where}, entry {entry}: {exc}") from None


def _near_json(near: Any, kwargs: dict[str, Any]) -> Reply:
    """``Reply.near_json(...)``, with the entry's other fields (model, tokens...) on top."""
    clash = sorted({"text", "json", "chunks", "invalid_json"} & set(kwargs))
    if clash:
        raise ScriptError(
            f"field {clash[0]!r} cannot go with 'near_json' (near_json makes the text and marks it "
            f"invalid). Remove {clash[0]!r}."
        )
    reply = Reply.near_json(near.value, near.flaw, schema=near.schema_, variant=near.variant)
    return dataclasses.replace(reply, **kwargs)


def _turn(data: Any, entry: str, where: str, models: dict[str, Any]) -> Turn:
    if not isinstance(data, dict | str):
        raise ScriptError(
            f"{where}, entry {entry}: a turn is a string or a mapping, got "
            f"{type(data).__name__}: {data!r}. Write text as a string, a reply as "
            f"{{text: ...}} or a failure as {{fail: rate_limit}}."
        )
    if isinstance(data, dict) and "fail" in data:
        return _failure(data, entry, where, models)
    return _reply(data, entry, where, models)


def _failure(data: dict[str, Any], entry: str, where: str, models: dict[str, Any]) -> Fail:
    from pydantic import ValidationError

    try:
        m = models["fail"].model_validate(data)
    except ValidationError as exc:
        if exc.errors()[0]["loc"][:1] == ("fail",):
            raise ScriptError(
                f"{where}, entry {entry}, field 'fail': unknown failure {data['fail']!r}. "
                f"Use one of {_FAIL_KINDS!r}."
            ) from None
        raise _fail_from(exc, entry, where, _FAIL_FIELDS) from None
    given = m.model_fields_set - {"fail", "message"}
    allowed = {
        "rate_limit": {"retry_after"},
        "server_error": {"status"},
        "mid_stream": {"reply", "after_chunk", "recoverable"},
    }.get(m.fail, set())
    extra = sorted(given - allowed)
    if extra:
        raise ScriptError(
            f"{where}, entry {entry}, field {extra[0]!r}: not used by fail: {m.fail!r} "
            f"(it takes {sorted(allowed | {'message'})!r}). Remove {extra[0]!r}."
        )
    kwargs: dict[str, Any] = {"message": m.message} if m.message is not None else {}
    try:
        if m.fail == "rate_limit":
            return Fail.rate_limit(retry_after=m.retry_after, **kwargs)
        if m.fail == "server_error":
            return Fail.server_error(m.status if m.status is not None else 500, **kwargs)
        if m.fail == "mid_stream":
            if m.reply is None:
                raise ScriptError(
                    "required field 'reply' missing (the reply streamed before the failure). "
                    "Add reply: <text or reply mapping>."
                )
            reply = _reply(m.reply, f"{entry}.reply", where, models)
            return Fail.mid_stream(reply, m.after_chunk, recoverable=m.recoverable, **kwargs)
        return getattr(Fail, m.fail)(**kwargs)  # type: ignore[no-any-return]
    except ScriptError as exc:
        if str(exc).startswith(where):
            raise
        raise ScriptError(f"{where}, entry {entry}: {exc}") from None


def _rule(data: Any, entry: str, where: str, models: dict[str, Any]) -> Rule:
    from pydantic import ValidationError

    try:
        m = models["rule"].model_validate(data)
    except ValidationError as exc:
        raise _fail_from(exc, entry, where, _RULE_FIELDS) from None
    turn = _turn(m.reply, f"{entry}.reply", where, models)
    try:
        return Rule(
            last_user=m.last_user,
            system=m.system,
            tool_result=m.tool_result,
            times=m.times,
            turn=turn,
        )
    except ScriptError as exc:
        raise ScriptError(f"{where}, entry {entry}: {exc}") from None
