"""The kit's own providers, as factories: what ``llm-fakes conformance`` checks with no argument.

* ``ScriptedProvider``: the backend's scripted fake itself.
* ``CassetteProvider``: each example recorded from a scripted provider, then replayed from the
  saved cassette in ``none`` mode (nothing real is called on replay).
* one HTTP provider per API of the wire registry (:data:`~llm_fakes.wire.registry.REGISTRY`:
  ``OpenAIProvider``, ``OpenAIResponsesProvider``, ``AnthropicProvider``...) against the fake
  server of its door's in-process transport (``...@loopback``: against the loopback servers, over
  real sockets). APIs one fake serves share its door: ``FakeOpenAI`` serves both of OpenAI's wire
  formats from one script.
* ``complete-only``: a provider that implements only ``complete``, so ``acomplete`` and
  ``stream`` are the base class's defaults.

A built-in whose module is missing from this installation is left out (and named in
:func:`unavailable`), never reported as passing.

Example:
    >>> [f.name for f in builtin_factories()][:1]
    ['ScriptedProvider']
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.provider import LLMProvider
from llm_fakes.types import LLMResponse, Tool
from llm_fakes.wire.registry import REGISTRY

if TYPE_CHECKING:
    from llm_fakes.contract.backend import ConformanceBackend

__all__ = [
    "CompleteOnlyProvider",
    "builtin_factories",
    "complete_only_factory",
    "http_factory",
    "scripted_factory",
    "unavailable",
]


class CompleteOnlyProvider(LLMProvider):
    """Implements only ``complete`` (delegating to ``inner``): the base class does the rest.

    Example:
        >>> from llm_fakes.scripted.provider import ScriptedProvider
        >>> p = CompleteOnlyProvider(ScriptedProvider(["hi"]))
        >>> p.complete([{"role": "user", "content": "yo"}]).content
        'hi'
    """

    __test__ = False

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.default_max_retries: int = inner.default_max_retries
        self.retry_policy = inner.retry_policy

    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: list[Tool] | None = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        result: LLMResponse = self.inner.complete(
            messages,
            system=system,
            tools=tools,
            max_tokens=max_tokens,
            response_format=response_format,
            json_mode=json_mode,
            max_retries=max_retries,
        )
        return result


def scripted_factory() -> ProviderFactory:
    """The backend's :class:`~llm_fakes.ScriptedProvider`, under test itself."""
    return ProviderFactory(lambda backend: backend.scripted, name="ScriptedProvider")


def complete_only_factory() -> ProviderFactory:
    """A provider with only ``complete``, wrapping the scripted fake."""
    return ProviderFactory(
        lambda backend: CompleteOnlyProvider(backend.scripted), name="complete-only"
    )


def _importable(module: str, name: str) -> Any | None:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def http_factory(api: str, *, loopback: bool = False) -> ProviderFactory | None:
    """The kit's HTTP provider for ``api`` (a registry key or alias, e.g. ``"openai-chat"``)
    against the fake server that speaks its wire format (None if either is missing here)."""
    entry = REGISTRY.get(api)
    cls = _importable(*entry.provider.rsplit(".", 1))
    fake = _importable(*entry.fake.rsplit(".", 1))
    if cls is None or fake is None:
        return None
    door = entry.door

    def build(backend: ConformanceBackend) -> Any:
        if loopback:
            where: dict[str, Any] = {"base_url": backend.base_url(door)}
        else:
            where = {"transport": backend.transport(door)}
        provider = cls("conformance-model", api_key="sk-test", clock=backend.clock, **where)
        backend.add_cleanup(provider.close)
        return provider

    build.__name__ = entry.provider_name + ("@loopback" if loopback else "")
    return ProviderFactory(build, name=build.__name__)


def cassette_factory() -> ProviderFactory | None:
    """Each example recorded from the scripted fake, then replayed from disk in ``none`` mode."""
    from llm_fakes.contract._cassette import make_cassette_factory

    return make_cassette_factory()


def _http_builtin(key: str) -> Callable[[], ProviderFactory | None]:
    return lambda: http_factory(key)


_BUILTINS: list[tuple[str, Callable[[], ProviderFactory | None]]] = [
    ("ScriptedProvider", scripted_factory),
    ("CassetteProvider", cassette_factory),
    *[(api.provider_name, _http_builtin(api.key)) for api in REGISTRY],
    ("complete-only", complete_only_factory),
]


def builtin_factories(*, loopback: bool = False) -> list[ProviderFactory]:
    """Every built-in available here (with ``loopback``, also the HTTP ones over sockets)."""
    out = [f for _, make in _BUILTINS if (f := make()) is not None]
    if loopback:
        out += [f for api in REGISTRY if (f := http_factory(api.key, loopback=True))]
    return out


def unavailable() -> list[str]:
    """Built-ins missing from this installation."""
    return [name for name, make in _BUILTINS if make() is None]
