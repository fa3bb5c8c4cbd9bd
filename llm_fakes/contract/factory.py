"""How a provider is put under test: a factory that wires it to the backend, and what it supports.

A factory is any callable taking the :class:`~llm_fakes.contract.backend.ConformanceBackend` and
returning the provider wired to it. Wrap it in :class:`ProviderFactory` to declare what the
provider supports; a property needing a capability it lacks is reported "not supported", never
as a pass.

Example:
    >>> f = ProviderFactory(lambda backend: backend.scripted, capabilities={"streaming"})
    >>> sorted(f.capabilities), f.name
    (['streaming'], '<lambda>')
    >>> sorted(ProviderFactory(lambda b: b.scripted, capabilities=["tools"]).capabilities)
    ['send_tools', 'stream_tool_calls', 'tool_calls']
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from llm_fakes.errors import UsageError

if TYPE_CHECKING:
    from llm_fakes.contract.backend import ConformanceBackend

__all__ = ["ALIASES", "CAPABILITIES", "ProviderFactory", "as_factory", "load_factory"]

#: Everything a provider may declare. A plain callable supports all of them. Each gap is
#: declared on its own, so leaving one out keeps every other check running.
CAPABILITIES: dict[str, str] = {
    "send_tools": "tools in requests reach the backend",
    "tool_calls": "tool calls come back out of complete() / acomplete()",
    "stream_tool_calls": "tool calls come out of stream() as ToolCallEvents",
    "streaming": "stream() with the seed's events",
    "json_mode": "json_mode=True and response_format={'type': 'json_object'}",
    "json_schema": "response_format={'type': 'json_schema', ...}",
    "retries": "max_retries and the default budget honoured, transient failures retried, "
    "permanent ones not, typed errors (with or without an injectable clock)",
    "clock": "retry waits on the injected backend.clock (needed by R5 only under --real-time)",
}

#: Names that stand for several capabilities.
ALIASES: dict[str, frozenset[str]] = {
    "tools": frozenset({"send_tools", "tool_calls", "stream_tool_calls"}),
}

RetryBudget = Literal["shared", "per_kind"]


class ProviderFactory:
    """A factory plus what the provider it builds supports.

    Args:
        build: ``build(backend) -> provider``.
        capabilities: The capability names the provider supports (see :data:`CAPABILITIES`);
            all of them when omitted.
        name: The column name in the report; defaults to ``build``'s name.
        default_max_retries: The retries ``max_retries=None`` means (R2); when omitted, the
            provider's ``default_max_retries`` attribute is read.
        max_retry_wait: The documented cap on one retry wait, in seconds (R5); when omitted,
            ``provider.retry_policy.max_delay`` or ``provider.max_retry_wait`` is read.
        retry_budget: ``"shared"`` (one ``max_retries`` budget for every transient failure kind,
            as the kit's :class:`~llm_fakes.RetryPolicy` documents) or ``"per_kind"`` (R6).
        inner_retries: Retries a layer inside the provider makes on each of its attempts (an
            SDK left at its own ``max_retries``): R1, R2's default budget, R4 and R6 then expect
            ``(m + 1) * (inner_retries + 1)`` attempts for ``max_retries=m``. ``max_retries=0``
            must still be one attempt (R2).
        teardown: Called with the provider after each example (close its clients).
        read_tool_calls: ``read_tool_calls(response)`` -> the tool calls of one of the provider's
            responses, as ``(id, name, input)`` triples (or objects with those attributes), for
            a provider that keeps them somewhere the suite does not look (C1, C2, S5). By
            default they are read from ``tool_uses``, or for a class without it from
            ``raw_response`` (:func:`~llm_fakes.raw_tool_calls.read_tool_calls`).

    Example:
        >>> f = ProviderFactory(lambda b: b.scripted, capabilities=["tools"], name="mine")
        >>> f.supports("tools"), f.supports("retries")
        (True, False)
    """

    def __init__(
        self,
        build: Callable[[ConformanceBackend], Any],
        *,
        capabilities: Iterable[str] | None = None,
        name: str | None = None,
        default_max_retries: int | None = None,
        max_retry_wait: float | None = None,
        retry_budget: RetryBudget = "shared",
        teardown: Callable[[Any], Any] | None = None,
        inner_retries: int = 0,
        read_tool_calls: Callable[[Any], Iterable[Any]] | None = None,
    ) -> None:
        if not callable(build):
            raise UsageError(
                f"ProviderFactory takes a callable(backend) -> provider, got {build!r}. "
                "Pass a function or a class whose constructor takes the backend."
            )
        if isinstance(capabilities, str):
            raise UsageError(
                f"capabilities= takes a list of names, got the string {capabilities!r} for "
                f"{build!r}. Write capabilities=[{capabilities!r}]."
            )
        given = frozenset(CAPABILITIES if capabilities is None else capabilities)
        unknown = sorted(given - set(CAPABILITIES) - set(ALIASES))
        if unknown:
            raise UsageError(
                f"Unknown capability {unknown!r} for {build!r}. "
                f"Capabilities are {sorted(CAPABILITIES)!r} ('tools' stands for "
                f"{sorted(ALIASES['tools'])!r}); pass a list of them, "
                "e.g. capabilities=['tools', 'streaming']."
            )
        caps = frozenset().union(*(ALIASES.get(c, {c}) for c in given))
        if retry_budget not in ("shared", "per_kind"):
            raise UsageError(
                f"retry_budget must be 'shared' or 'per_kind', got {retry_budget!r}. "
                "Say how your provider counts retries across failure kinds."
            )
        if (
            isinstance(inner_retries, bool)
            or not isinstance(inner_retries, int)
            or inner_retries < 0
        ):
            raise UsageError(
                f"inner_retries must be an int >= 0, got {inner_retries!r}: the retries a layer "
                "inside the provider (its SDK) makes per attempt, e.g. inner_retries=2."
            )
        self.build = build
        self.capabilities = caps
        self.name = name or getattr(build, "__name__", None) or type(build).__name__
        self.named = name is not None
        self.default_max_retries = default_max_retries
        self.max_retry_wait = max_retry_wait
        self.retry_budget: RetryBudget = retry_budget
        self.teardown = teardown
        self.inner_retries = inner_retries
        self.read_tool_calls = read_tool_calls

    def supports(self, capability: str) -> bool:
        """Whether the provider declared ``capability`` (for an alias: all it stands for)."""
        return ALIASES.get(capability, frozenset({capability})) <= self.capabilities

    def __call__(self, backend: ConformanceBackend) -> Any:
        return self.build(backend)

    def __repr__(self) -> str:
        return f"ProviderFactory({self.name!r}, capabilities={sorted(self.capabilities)!r})"


def as_factory(value: Any, name: str | None = None) -> ProviderFactory:
    """A :class:`ProviderFactory` from a factory or a plain callable.

    A plain callable may carry a ``capabilities`` attribute; otherwise it supports everything.
    """
    if isinstance(value, ProviderFactory):
        if name is not None and name != value.name:
            return ProviderFactory(
                value.build,
                capabilities=value.capabilities,
                name=name,
                default_max_retries=value.default_max_retries,
                max_retry_wait=value.max_retry_wait,
                retry_budget=value.retry_budget,
                teardown=value.teardown,
                inner_retries=value.inner_retries,
                read_tool_calls=value.read_tool_calls,
            )
        return value
    return ProviderFactory(value, capabilities=getattr(value, "capabilities", None), name=name)


def load_factory(spec: str) -> ProviderFactory:
    """Import ``"module:attribute"`` (the current directory is importable) as a factory.

    A file path is read as its module (``pkg/mod.py:make`` is ``pkg.mod:make``). A provider
    class is refused with the factory to write: called with the backend, it would fail C1 with
    its SDK's words.

    Example:
        >>> load_factory("tests/test_provider.py")
        Traceback (most recent call last):
        ...
        llm_fakes.errors.UsageError: Cannot read the factory 'tests/test_provider.py': expected \
'module:attribute', e.g. 'tests.test_provider:make_provider'.
    """
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(
            f"Cannot read the factory {spec!r}: expected 'module:attribute', "
            "e.g. 'tests.test_provider:make_provider'."
        )
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    if module_name.endswith(".py") or "/" in module_name or "\\" in module_name:
        module_name = _module_of_file(spec, module_name, attr)
        spec = f"{module_name}:{attr}"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(
            f"Cannot import module {module_name!r} for the factory {spec!r}: {exc}. "
            "Run from the directory that holds it, or install it."
        ) from exc
    try:
        value = getattr(module, attr)
    except AttributeError:
        candidates = sorted(
            n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
        )
        raise UsageError(
            f"Module {module_name!r} has no attribute {attr!r} (factory {spec!r}). "
            f"Callables it defines: {candidates!r}. Name one of them after the colon."
        ) from None
    if not callable(value):
        raise UsageError(
            f"{spec!r} is {value!r}, not a callable(backend) -> provider. "
            "Point at a function or a ProviderFactory."
        )
    if _is_provider_class(value):
        raise UsageError(
            f"{spec!r} is a provider class; the suite needs a factory: a function that takes "
            "the backend and returns the provider wired to it. Write one, e.g.\n\n"
            "    def make_provider(backend):\n"
            f"{_wiring(value, attr)}\n\n"
            f"and run: llm-fakes conformance {module_name}:make_provider"
        )
    named = isinstance(value, ProviderFactory) and value.named
    return as_factory(value, name=None if named else spec)


def _module_of_file(spec: str, path_text: str, attr: str) -> str:
    """The dotted module name of a ``.py`` path under the current folder."""
    path = Path(path_text)
    dotted = ".".join(path.with_suffix("").parts)
    if not path.is_file():
        top = path.parts[0] if len(path.parts) > 1 else "."
        raise UsageError(
            f"Cannot read the factory {spec!r}: there is no file {path_text!r}. Write the "
            f"module's dotted name, as for python -m: {dotted + ':' + attr!r}, run from the "
            f"folder that holds {top!r}."
        )
    try:
        relative = path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        raise UsageError(
            f"Cannot read the factory {spec!r}: the file is outside the current folder "
            f"({str(Path.cwd())!r}). Run from the folder that holds it and write its dotted "
            f"name: {path.stem + ':' + attr!r}."
        ) from None
    return ".".join(relative.with_suffix("").parts)


def _wiring(cls: type, name: str) -> str:
    """The body of the factory to write for the provider class ``cls``: the SDK door when its
    constructor takes ``base_url``, else the doors named for the user to choose (a guess that
    does not fit the constructor would fail with a TypeError of its own)."""
    parameters = inspect.signature(cls).parameters
    if "base_url" in parameters:
        takes_key = "api_key" in parameters or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
        )
        key = ", api_key='sk-test'" if takes_key else ""
        return f"        return {name}(base_url=backend.openai_base_url{key})"
    return (
        "        # wire it to backend.scripted (a provider to wrap), or to\n"
        "        # backend.openai_base_url / backend.anthropic_base_url (its SDK's base_url)\n"
        f"        return {name}(...)"
    )


def _is_provider_class(value: Any) -> bool:
    """A class with the provider interface whose constructor does not take the backend."""
    if not isinstance(value, type) or issubclass(value, ProviderFactory):
        return False
    if not callable(getattr(value, "complete", None)):
        return False
    try:
        parameters = inspect.signature(value).parameters
    except (TypeError, ValueError):
        return False
    return "backend" not in parameters
