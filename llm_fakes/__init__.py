"""llm-fakes: scripted fakes, cassettes and a conformance suite for code that talks to LLMs.

Importing this package is cheap: the seed interface, the errors and the type set are plain
stdlib. Everything heavier (the scripted fake, cassettes, HTTP providers, the conformance suite)
is imported on first use of its name.

Example:
    >>> import llm_fakes
    >>> llm_fakes.LLMResponse(content="hi", model="m").content
    'hi'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from llm_fakes._version import __version__
from llm_fakes.clock import Clock, RealClock, VirtualClock
from llm_fakes.errors import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    CassetteError,
    CassetteFormatError,
    CassetteMiss,
    CassetteWriteError,
    ContractViolation,
    EmptyResponseError,
    JSONModeError,
    LLMFakesError,
    NetworkBlockedError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitError,
    ResponseFormatError,
    ScriptError,
    ScriptExhausted,
    ServerError,
    TypeResolutionError,
    UnprocessableEntityError,
    UnusedInteractionsError,
    UnusedScriptError,
    UsageError,
)
from llm_fakes.events import (
    FinishEvent,
    ReasoningDeltaEvent,
    ReasoningStartEvent,
    StreamErrorEvent,
    StreamEvent,
    TextDeltaEvent,
    TextEndEvent,
    ToolCallEvent,
    ToolResultEvent,
)
from llm_fakes.provider import LLMProvider
from llm_fakes.retry import RetryPolicy
from llm_fakes.scripted.server_tools import ServerToolCall
from llm_fakes.scripted.turns import Fail, Reply, ToolCall
from llm_fakes.types import LLMResponse, Tool, ToolResult, ToolUse
from llm_fakes.typeset import TypeSet

if TYPE_CHECKING:
    from llm_fakes.cassettes.provider import CassetteProvider as CassetteProvider
    from llm_fakes.cassettes.provider import RecordMode as RecordMode
    from llm_fakes.contract.factory import ProviderFactory as ProviderFactory
    from llm_fakes.contract.suite import ProviderContract as ProviderContract
    from llm_fakes.guard import block_network as block_network
    from llm_fakes.http.anthropic import AnthropicProvider as AnthropicProvider
    from llm_fakes.http.fake_anthropic import FakeAnthropic as FakeAnthropic
    from llm_fakes.http.fake_gemini import FakeGemini as FakeGemini
    from llm_fakes.http.fake_openai import FakeOpenAI as FakeOpenAI
    from llm_fakes.http.gemini import GeminiProvider as GeminiProvider
    from llm_fakes.http.openai import OpenAIProvider as OpenAIProvider
    from llm_fakes.http.openai_responses import (
        OpenAIResponsesProvider as OpenAIResponsesProvider,
    )
    from llm_fakes.scripted.files import load_script as load_script
    from llm_fakes.scripted.provider import ScriptedProvider as ScriptedProvider
    from llm_fakes.snapshot import LLMSnapshotExtension as LLMSnapshotExtension

# Public names whose modules pull in heavier dependencies: imported on first attribute access.
_LAZY: dict[str, str] = {
    "CassetteProvider": "llm_fakes.cassettes.provider",
    "RecordMode": "llm_fakes.cassettes.provider",
    "ProviderContract": "llm_fakes.contract.suite",
    "ProviderFactory": "llm_fakes.contract.factory",
    "AnthropicProvider": "llm_fakes.http.anthropic",
    "FakeAnthropic": "llm_fakes.http.fake_anthropic",
    "FakeGemini": "llm_fakes.http.fake_gemini",
    "FakeOpenAI": "llm_fakes.http.fake_openai",
    "GeminiProvider": "llm_fakes.http.gemini",
    "OpenAIProvider": "llm_fakes.http.openai",
    "OpenAIResponsesProvider": "llm_fakes.http.openai_responses",
    "ScriptedProvider": "llm_fakes.scripted.provider",
    "load_script": "llm_fakes.scripted.files",
    "JSON_FLAWS": "llm_fakes.scripted.flaws",
    "LLMSnapshotExtension": "llm_fakes.snapshot",
    "block_network": "llm_fakes.guard",
}

__all__ = [
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMiss",
    "CassetteWriteError",
    "Clock",
    "ContractViolation",
    "EmptyResponseError",
    "Fail",
    "FinishEvent",
    "JSONModeError",
    "LLMFakesError",
    "LLMProvider",
    "LLMResponse",
    "NetworkBlockedError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "RealClock",
    "Reply",
    "ReasoningDeltaEvent",
    "ReasoningStartEvent",
    "ResponseFormatError",
    "RetryPolicy",
    "ScriptError",
    "ScriptExhausted",
    "ServerError",
    "ServerToolCall",
    "StreamErrorEvent",
    "StreamEvent",
    "TextDeltaEvent",
    "TextEndEvent",
    "Tool",
    "ToolCall",
    "ToolCallEvent",
    "ToolResult",
    "ToolResultEvent",
    "ToolUse",
    "TypeResolutionError",
    "TypeSet",
    "UnprocessableEntityError",
    "UnusedInteractionsError",
    "UnusedScriptError",
    "UsageError",
    "VirtualClock",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llm_fakes' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
