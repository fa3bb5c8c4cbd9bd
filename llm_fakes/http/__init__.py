"""HTTP providers, the wire formats they speak, and fake servers that speak them too.

* one provider per API of the wire registry (:data:`~llm_fakes.wire.registry.REGISTRY`):
  :class:`OpenAIProvider` (Chat Completions), :class:`OpenAIResponsesProvider` (Responses),
  :class:`AnthropicProvider` (Messages)..., real ``LLMProvider`` implementations on httpx;
* the fake server serving each (:class:`FakeOpenAI`, :class:`FakeAnthropic`...), script-driven
  fakes usable as an httpx transport or a loopback server.
* :mod:`llm_fakes.http.vcr`: a vcrpy preset for recording at the HTTP level.

Everything here imports httpx, so it is reached only lazily (``llm_fakes.OpenAIProvider`` and the
like import it on first use). The names here are the registry's, so a new API is exported with
no edit of this module.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any


@functools.cache
def _where() -> dict[str, str]:
    """Each provider and fake class of the wire registry -> its module (the registry is read on
    first use: importing this package loads no API)."""
    from llm_fakes.wire.registry import REGISTRY

    return {
        dotted.rpartition(".")[2]: dotted.rpartition(".")[0]
        for api in REGISTRY
        for dotted in (api.provider, api.fake)
    }


def __getattr__(name: str) -> Any:
    if name == "__all__":
        return sorted(_where())
    module = _where().get(name)
    if module is None or module == __name__:  # an entry naming a class here that is not here
        raise AttributeError(f"module 'llm_fakes.http' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(_where())
