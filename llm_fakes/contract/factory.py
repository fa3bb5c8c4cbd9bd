"""How a provider is put under test: a factory that wires it to the backend, and what it supports.

A factory is any callable taking the :class:`~llm_fakes.contract.backend.ConformanceBackend` and
returning the provider wired to it. Wrap it in :class:`ProviderFactory` to declare what the
provider supports; a property needing a capability it lacks is reported "not supported", never
as a pass.

Example:
    >>> f = ProviderFactory(lambda backend: backend.scripted, capabilities={"streaming"})
    >>> sorted(f.capabilities), f.name
    (['streaming'], '<lambda>')
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from llm_fakes.errors import UsageError

if TYPE_CHECKING:
    from llm_fakes.contract.backend import ConformanceBackend

__all__ = ["CAPABILITIES", "ProviderFactory", "as_factory", "load_factory"]

#: Everything a provider may declare. A plain callable supports all of them.
CAPABILITIES: dict[str, str] = {
    "tools": "tool calling (tools in requests, tool calls in replies)",
    "streaming": "stream() with the seed's events",
    "json_mode": "json_mode=True and response_format={'type': 'json_object'}",
    "json_schema": "response_format={'type': 'json_schema', ...}",
    "retries": "max_retries, retry waits on an injectable clock, typed errors",
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
        teardown: Called with the provider after each example (close its clients).

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
        caps = frozenset(CAPABILITIES if capabilities is None else capabilities)
        unknown = sorted(caps - set(CAPABILITIES))
        if unknown:
            raise UsageError(
                f"Unknown capability {unknown!r} for {build!r}. "
                f"Capabilities are {sorted(CAPABILITIES)!r}; pass a list of them, "
                "e.g. capabilities=['tools', 'streaming']."
            )
        if retry_budget not in ("shared", "per_kind"):
            raise UsageError(
                f"retry_budget must be 'shared' or 'per_kind', got {retry_budget!r}. "
                "Say how your provider counts retries across failure kinds."
            )
        self.build = build
        self.capabilities = caps
        self.name = name or getattr(build, "__name__", None) or type(build).__name__
        self.named = name is not None
        self.default_max_retries = default_max_retries
        self.max_retry_wait = max_retry_wait
        self.retry_budget: RetryBudget = retry_budget
        self.teardown = teardown

    def supports(self, capability: str) -> bool:
        """Whether the provider declared ``capability``."""
        return capability in self.capabilities

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
            )
        return value
    return ProviderFactory(value, capabilities=getattr(value, "capabilities", None), name=name)


def load_factory(spec: str) -> ProviderFactory:
    """Import ``"module:attribute"`` (the current directory is importable) as a factory.

    Example:
        >>> load_factory("tests/test_provider.py")
        Traceback (most recent call last):
        ...
        llm_fakes.errors.UsageError: Cannot read the factory 'tests/test_provider.py': expected \
'module:attribute', e.g. 'tests.test_provider:make_provider'.
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(
            f"Cannot read the factory {spec!r}: expected 'module:attribute', "
            "e.g. 'tests.test_provider:make_provider'."
        )
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
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
    named = isinstance(value, ProviderFactory) and value.named
    return as_factory(value, name=None if named else spec)
