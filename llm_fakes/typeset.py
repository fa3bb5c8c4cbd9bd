"""Which classes the kit instantiates: its own, or those of a user-named module.

Downstream projects often keep their *own* copies of ``LLMResponse`` and the stream events and
check ``isinstance`` against them. A :class:`TypeSet` maps each class the kit needs to a concrete
class, matched by class name, and fills it by field name: a field the user's class lacks is left
out (tool uses then travel in ``raw_response``, where the seed's framework reads them: see
:mod:`llm_fakes.raw_tool_calls`), a class the
module lacks or a required field the kit cannot fill is a :class:`TypeResolutionError` naming both.

Set it per provider (``ScriptedProvider(..., types="framework.llm.provider
framework.llm.stream_events")``) or project-wide with the ini key ``llm_fakes_types``.

Example:
    >>> ts = TypeSet.default()
    >>> ts.response(content="hi", model="m").content
    'hi'
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from llm_fakes import events as _events
from llm_fakes import types as _types
from llm_fakes.errors import TypeResolutionError

__all__ = [
    "OPTIONAL_FIELDS",
    "TypeSet",
    "TypesSpec",
    "get_default_types",
    "resolve_types",
    "set_default_types",
]

#: The classes the kit builds, with the fields it can fill for each.
NEEDED: dict[str, type[Any]] = {
    "LLMResponse": _types.LLMResponse,
    "ToolUse": _types.ToolUse,
    **{cls.__name__: cls for cls in _events.EVENT_CLASSES},
}
_OWN: dict[str, type[Any]] = dict(NEEDED)

#: Fields newer versions of the seed's framework added. The kit's own classes keep the seed's
#: shape and lack them; a user's class that has them gets them filled wherever the kit knows the
#: value (HTTP providers from the wire, the scripted provider from the reply, cassettes from the
#: recording). ``error_type`` is the kit's error class name, ``upstream_status`` its HTTP status.
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "LLMResponse": ("reasoning_tokens", "cache_read_tokens", "cache_creation_tokens"),
    "FinishEvent": ("cache_creation_tokens", "thinking_blocks"),
    "StreamErrorEvent": ("error_type", "upstream_status"),
}


def _field_names(cls: type[Any]) -> tuple[frozenset[str], frozenset[str]]:
    """Return (accepted, required) keyword names for building ``cls``."""
    if dataclasses.is_dataclass(cls):
        accepted, required = set(), set()
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            accepted.add(f.name)
            no_default = f.default is dataclasses.MISSING
            if no_default and f.default_factory is dataclasses.MISSING:
                required.add(f.name)
        return frozenset(accepted), frozenset(required)
    params = list(inspect.signature(cls).parameters.values())
    accepted_p = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    required_p = {p.name for p in params if p.default is p.empty and p.name in accepted_p}
    return frozenset(accepted_p), frozenset(required_p)


class TypeSet:
    """A resolved mapping from the kit's class names to the classes to instantiate.

    Example:
        >>> TypeSet.default().event("TextDeltaEvent", content="a", snapshot="a").snapshot
        'a'
    """

    __slots__ = ("_accepted", "_classes", "is_default", "modules")

    def __init__(self, classes: Mapping[str, type[Any]], modules: Sequence[str] = ()) -> None:
        self._classes = dict(classes)
        self.modules = tuple(modules)
        self.is_default = self._classes == _OWN
        self._accepted: dict[str, frozenset[str]] = {}
        where = " ".join(self.modules) or "llm_fakes"
        for name, own in NEEDED.items():
            cls = self._classes[name]
            accepted, required = _field_names(cls)
            fillable = {f.name for f in dataclasses.fields(own)}
            unfillable = sorted(required - fillable)
            if unfillable:
                raise TypeResolutionError(
                    f"{cls.__module__}.{name} requires field(s) {unfillable!r} that llm_fakes "
                    f"cannot fill (it fills {sorted(fillable)!r}). Give those fields defaults, or "
                    f"remove {where!r} from llm_fakes_types / types=."
                )
            self._accepted[name] = accepted

    @classmethod
    def default(cls) -> TypeSet:
        """The kit's own classes."""
        return _DEFAULT

    @classmethod
    def from_modules(cls, *modules: str) -> TypeSet:
        """Resolve every class the kit needs from the named modules, searched in order.

        Example:
            >>> TypeSet.from_modules("llm_fakes.types", "llm_fakes.events").is_default
            True
        """
        names = [m for spec in modules for m in spec.split()]
        if not names:
            return _DEFAULT
        loaded = []
        for name in names:
            try:
                loaded.append(importlib.import_module(name))
            except ImportError as exc:
                raise TypeResolutionError(
                    f"Cannot import types module {name!r} named in llm_fakes_types / types=: {exc}"
                ) from exc
        found: dict[str, type[Any]] = {}
        missing = []
        for cls_name in NEEDED:
            for mod in loaded:
                candidate = getattr(mod, cls_name, None)
                if isinstance(candidate, type):
                    found[cls_name] = candidate
                    break
            else:
                missing.append(cls_name)
        if missing:
            raise TypeResolutionError(
                f"Types module(s) {names!r} lack class(es) {missing!r} that llm_fakes needs. "
                f"Add the module that defines them to llm_fakes_types / types=."
            )
        return cls(found, names)

    def cls(self, name: str) -> type[Any]:
        """The class used for the kit's class ``name``."""
        return self._classes[name]

    def event(self, name: str, **fields: Any) -> Any:
        """Build the event class ``name`` from the fields its class accepts."""
        if self.is_default:
            return self._classes[name](**fields)
        accepted = self._accepted[name]
        return self._classes[name](**{k: v for k, v in fields.items() if k in accepted})

    def extras(self, name: str, **values: Any) -> dict[str, Any]:
        """Those of ``values`` (:data:`OPTIONAL_FIELDS`) that the class ``name`` accepts: none
        for the kit's own classes, which keep the seed's shape.

        Example:
            >>> TypeSet.default().extras("FinishEvent", cache_creation_tokens=3)
            {}
        """
        if self.is_default:
            return {}
        accepted = self._accepted[name]
        return {k: v for k, v in values.items() if k in accepted}

    def error_event(self, exc: BaseException) -> Any:
        """The ``StreamErrorEvent`` that ends a stream on ``exc`` (``recoverable`` is its
        ``retryable``; ``error_type`` and ``upstream_status`` where the class has them).

        Example:
            >>> from llm_fakes.errors import ServerError
            >>> TypeSet.default().error_event(ServerError("boom", status=502)).recoverable
            True
        """
        extras = self.extras(
            "StreamErrorEvent",
            error_type=type(exc).__name__,
            upstream_status=getattr(exc, "status", None),
        )
        retryable = bool(getattr(exc, "retryable", False))
        return self.event("StreamErrorEvent", error=str(exc), recoverable=retryable, **extras)

    def response(
        self,
        *,
        content: str,
        model: str,
        input_tokens: int = 0,
        output_tokens: int = 0,
        stop_reason: str = "",
        raw_response: Any = None,
        tool_uses: Iterable[_types.ToolUse] = (),
        **extra: Any,
    ) -> Any:
        """Build an ``LLMResponse``; tool uses go to ``raw_response`` when the class lacks them.

        ``extra`` (:data:`OPTIONAL_FIELDS`) is filled only where the class has such a field."""
        uses = [self.tool_use(u) for u in tool_uses]
        fields: dict[str, Any] = {
            "content": content,
            "model": model,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "stop_reason": stop_reason,
            "raw_response": raw_response,
            "tool_uses": uses,
        }
        if self.is_default:
            return _types.LLMResponse(**fields)
        fields.update(extra)
        accepted = self._accepted["LLMResponse"]
        if "tool_uses" not in accepted and uses:
            # Where the seed's framework reads them: raw_response["tool_calls"] and
            # raw_response.choices[0].message.tool_calls (see llm_fakes.raw_tool_calls).
            from llm_fakes.raw_tool_calls import RawToolCalls

            fields["raw_response"] = RawToolCalls.of(uses, raw=raw_response, content=content)
        return self._classes["LLMResponse"](**{k: v for k, v in fields.items() if k in accepted})

    def tool_use(self, use: Any) -> Any:
        """Convert a tool use (any class with ``id``, ``name``, ``input``) to this set's class."""
        cls = self._classes["ToolUse"]
        if type(use) is cls:
            return use
        return cls(id=use.id, name=use.name, input=use.input)

    def convert(self, obj: Any) -> Any:
        """Convert an event or response built with other classes into this set's classes."""
        name = type(obj).__name__
        if name not in self._classes or type(obj) is self._classes[name]:
            return obj
        if name == "LLMResponse":
            return self.response(
                content=obj.content,
                model=obj.model,
                input_tokens=obj.input_tokens,
                output_tokens=obj.output_tokens,
                stop_reason=obj.stop_reason,
                raw_response=obj.raw_response,
                tool_uses=tool_uses_of(obj),
                **{k: getattr(obj, k) for k in OPTIONAL_FIELDS["LLMResponse"] if hasattr(obj, k)},
            )
        values = {k: getattr(obj, k) for k in self._accepted[name] if hasattr(obj, k)}
        return self._classes[name](**values)

    def __repr__(self) -> str:
        return f"TypeSet({' '.join(self.modules) or 'llm_fakes'})"


def tool_uses_of(response: Any) -> list[Any]:
    """The tool uses of a response of any type set (``tool_uses``, else ``raw_response``)."""
    uses = getattr(response, "tool_uses", None)
    if uses is not None:
        return list(uses)
    raw = getattr(response, "raw_response", None)
    if isinstance(raw, dict) and isinstance(raw.get("tool_uses"), list):
        return list(raw["tool_uses"])
    return []


TypesSpec: TypeAlias = "TypeSet | str | Sequence[str] | None"

_DEFAULT = TypeSet(_OWN)
_project_default: TypeSet = _DEFAULT


def set_default_types(spec: TypesSpec) -> TypeSet:
    """Set the project-wide type set (the pytest plugin calls this from ``llm_fakes_types``)."""
    global _project_default
    _project_default = _resolve(spec)
    return _project_default


def get_default_types() -> TypeSet:
    """The project-wide type set: the kit's own unless ``llm_fakes_types`` says otherwise."""
    return _project_default


def _resolve(spec: TypesSpec) -> TypeSet:
    if spec is None:
        return _DEFAULT
    if isinstance(spec, TypeSet):
        return spec
    if isinstance(spec, str):
        return TypeSet.from_modules(spec)
    return TypeSet.from_modules(*spec)


def resolve_types(spec: TypesSpec) -> TypeSet:
    """Resolve a per-instance ``types=`` argument; ``None`` means the project-wide default."""
    return _project_default if spec is None else _resolve(spec)
