"""HTTP providers, the wire formats they speak, and fake servers that speak them too.

* :mod:`llm_fakes.http.openai` / :mod:`llm_fakes.http.openai_responses` /
  :mod:`llm_fakes.http.anthropic`: :class:`OpenAIProvider` (Chat Completions),
  :class:`OpenAIResponsesProvider` (Responses) and :class:`AnthropicProvider` (Messages), real
  ``LLMProvider`` implementations on httpx.
* :mod:`llm_fakes.http.fake_openai` / :mod:`llm_fakes.http.fake_anthropic`: :class:`FakeOpenAI`
  and :class:`FakeAnthropic`, script-driven fakes usable as an httpx transport or a loopback server.
* :mod:`llm_fakes.http.vcr`: a vcrpy preset for recording at the HTTP level.

Everything here imports httpx, so it is reached only lazily (``llm_fakes.OpenAIProvider`` and the
like import it on first use).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "AnthropicProvider",
    "FakeAnthropic",
    "FakeOpenAI",
    "OpenAIProvider",
    "OpenAIResponsesProvider",
]

_WHERE = {
    "OpenAIProvider": "llm_fakes.http.openai",
    "OpenAIResponsesProvider": "llm_fakes.http.openai_responses",
    "AnthropicProvider": "llm_fakes.http.anthropic",
    "FakeOpenAI": "llm_fakes.http.fake_openai",
    "FakeAnthropic": "llm_fakes.http.fake_anthropic",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'llm_fakes.http' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
