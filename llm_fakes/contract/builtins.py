"""The kit's own providers, as factories: what ``llm-fakes conformance`` checks with no argument.

* ``ScriptedProvider``: the backend's scripted fake itself.
* ``CassetteProvider``: each example recorded from a scripted provider, then replayed from the
  saved cassette in ``none`` mode (nothing real is called on replay).
* ``OpenAIProvider`` / ``OpenAIResponsesProvider`` / ``AnthropicProvider``: the HTTP providers
  against the fake servers' in-process transports (``...@loopback``: against the loopback servers,
  over real sockets). ``OpenAIResponsesProvider`` uses the OpenAI door: ``FakeOpenAI`` serves
  both of OpenAI's wire formats from one script.
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


#: api -> (provider module, provider class, the fake's door: "openai" or "anthropic").
_HTTP = {
    "openai": ("llm_fakes.http.openai", "OpenAIProvider", "openai"),
    "responses": ("llm_fakes.http.openai_responses", "OpenAIResponsesProvider", "openai"),
    "anthropic": ("llm_fakes.http.anthropic", "AnthropicProvider", "anthropic"),
}
_FAKES = {
    "openai": ("llm_fakes.http.fake_openai", "FakeOpenAI"),
    "anthropic": (
        "llm_fakes.http.fake_anthropic",
        "FakeAnthropic",
    ),
}


def http_factory(api: str, *, loopback: bool = False) -> ProviderFactory | None:
    """An HTTP provider (``api``: ``"openai"``, ``"responses"`` or ``"anthropic"``) against the
    fake server that speaks its wire format (None if missing here)."""
    module, cls_name, door = _HTTP[api]
    cls = _importable(module, cls_name)
    fake = _importable(*_FAKES[door])
    if cls is None or fake is None:
        return None

    def build(backend: ConformanceBackend) -> Any:
        if loopback:
            url = backend.openai_base_url if door == "openai" else backend.anthropic_base_url
            provider = cls(
                "conformance-model", api_key="sk-test", base_url=url, clock=backend.clock
            )
        else:
            transport = (
                backend.openai_transport if door == "openai" else backend.anthropic_transport
            )
            provider = cls(
                "conformance-model", api_key="sk-test", transport=transport, clock=backend.clock
            )
        backend.add_cleanup(provider.close)
        return provider

    build.__name__ = cls_name + ("@loopback" if loopback else "")
    return ProviderFactory(build, name=build.__name__)


def cassette_factory() -> ProviderFactory | None:
    """Each example recorded from the scripted fake, then replayed from disk in ``none`` mode."""
    from llm_fakes.contract._cassette import make_cassette_factory

    return make_cassette_factory()


_BUILTINS: list[tuple[str, Callable[[], ProviderFactory | None]]] = [
    ("ScriptedProvider", scripted_factory),
    ("CassetteProvider", cassette_factory),
    ("OpenAIProvider", lambda: http_factory("openai")),
    ("OpenAIResponsesProvider", lambda: http_factory("responses")),
    ("AnthropicProvider", lambda: http_factory("anthropic")),
    ("complete-only", complete_only_factory),
]


def builtin_factories(*, loopback: bool = False) -> list[ProviderFactory]:
    """Every built-in available here (with ``loopback``, also the HTTP ones over sockets)."""
    out = [f for _, make in _BUILTINS if (f := make()) is not None]
    if loopback:
        out += [f for api in _HTTP if (f := http_factory(api, loopback=True))]
    return out


def unavailable() -> list[str]:
    """Built-ins missing from this installation."""
    return [name for name, make in _BUILTINS if make() is None]
