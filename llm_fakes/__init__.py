"""llm-fakes: scripted fakes, cassettes and a conformance suite for code that talks to LLMs.

The names here are the ones a test author types every day; the rest live in their modules:
errors in :mod:`llm_fakes.errors`, stream events in :mod:`llm_fakes.events`, clocks in
:mod:`llm_fakes.clock`. Importing this package is cheap (it runs in every pytest session, through
the plugin): each name is imported on first use.

Example:
    >>> import llm_fakes
    >>> llm_fakes.LLMResponse(content="hi", model="m").content
    'hi'
    >>> from llm_fakes.errors import RateLimitError
    >>> RateLimitError("slow down", retry_after=2.0).retryable
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from llm_fakes._version import __version__

if TYPE_CHECKING:
    from llm_fakes.cassettes.provider import CassetteProvider as CassetteProvider
    from llm_fakes.cassettes.provider import RecordMode as RecordMode
    from llm_fakes.clock import Clock as Clock
    from llm_fakes.clock import RealClock as RealClock
    from llm_fakes.clock import VirtualClock as VirtualClock
    from llm_fakes.contract.factory import ProviderFactory as ProviderFactory
    from llm_fakes.contract.suite import ProviderContract as ProviderContract
    from llm_fakes.errors import APIConnectionError as APIConnectionError
    from llm_fakes.errors import AuthenticationError as AuthenticationError
    from llm_fakes.errors import BadRequestError as BadRequestError
    from llm_fakes.errors import CassetteError as CassetteError
    from llm_fakes.errors import CassetteFormatError as CassetteFormatError
    from llm_fakes.errors import CassetteMiss as CassetteMiss
    from llm_fakes.errors import CassetteWriteError as CassetteWriteError
    from llm_fakes.errors import ContractViolation as ContractViolation
    from llm_fakes.errors import EmptyResponseError as EmptyResponseError
    from llm_fakes.errors import JSONModeError as JSONModeError
    from llm_fakes.errors import LLMFakesError as LLMFakesError
    from llm_fakes.errors import NetworkBlockedError as NetworkBlockedError
    from llm_fakes.errors import NotFoundError as NotFoundError
    from llm_fakes.errors import OverloadedError as OverloadedError
    from llm_fakes.errors import PermissionDeniedError as PermissionDeniedError
    from llm_fakes.errors import ProviderError as ProviderError
    from llm_fakes.errors import ProviderTimeoutError as ProviderTimeoutError
    from llm_fakes.errors import RateLimitError as RateLimitError
    from llm_fakes.errors import ResponseFormatError as ResponseFormatError
    from llm_fakes.errors import ScriptError as ScriptError
    from llm_fakes.errors import ScriptExhausted as ScriptExhausted
    from llm_fakes.errors import ServerError as ServerError
    from llm_fakes.errors import TypeResolutionError as TypeResolutionError
    from llm_fakes.errors import UnprocessableEntityError as UnprocessableEntityError
    from llm_fakes.errors import UnusedInteractionsError as UnusedInteractionsError
    from llm_fakes.errors import UnusedScriptError as UnusedScriptError
    from llm_fakes.errors import UsageError as UsageError
    from llm_fakes.events import FinishEvent as FinishEvent
    from llm_fakes.events import ReasoningDeltaEvent as ReasoningDeltaEvent
    from llm_fakes.events import ReasoningStartEvent as ReasoningStartEvent
    from llm_fakes.events import StreamErrorEvent as StreamErrorEvent
    from llm_fakes.events import StreamEvent as StreamEvent
    from llm_fakes.events import TextDeltaEvent as TextDeltaEvent
    from llm_fakes.events import TextEndEvent as TextEndEvent
    from llm_fakes.events import ToolCallEvent as ToolCallEvent
    from llm_fakes.events import ToolResultEvent as ToolResultEvent
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
    from llm_fakes.provider import LLMProvider as LLMProvider
    from llm_fakes.retry import RetryPolicy as RetryPolicy
    from llm_fakes.scripted.files import load_script as load_script
    from llm_fakes.scripted.flaws import JSON_FLAWS as JSON_FLAWS
    from llm_fakes.scripted.provider import ScriptedProvider as ScriptedProvider
    from llm_fakes.scripted.server_tools import ServerToolCall as ServerToolCall
    from llm_fakes.scripted.turns import Fail as Fail
    from llm_fakes.scripted.turns import Reply as Reply
    from llm_fakes.scripted.turns import ToolCall as ToolCall
    from llm_fakes.snapshot import LLMSnapshotExtension as LLMSnapshotExtension
    from llm_fakes.types import LLMResponse as LLMResponse
    from llm_fakes.types import Tool as Tool
    from llm_fakes.types import ToolResult as ToolResult
    from llm_fakes.types import ToolUse as ToolUse
    from llm_fakes.typeset import TypeSet as TypeSet

#: The root namespace: name -> the module that defines it (imported on first use).
_PUBLIC: dict[str, str] = {
    # The interface the code under test calls, and what it returns.
    "LLMProvider": "llm_fakes.provider",
    "LLMResponse": "llm_fakes.types",
    "Tool": "llm_fakes.types",
    "ToolUse": "llm_fakes.types",
    "ToolResult": "llm_fakes.types",
    # Scripted fakes.
    "ScriptedProvider": "llm_fakes.scripted.provider",
    "Reply": "llm_fakes.scripted.turns",
    "Fail": "llm_fakes.scripted.turns",
    "ToolCall": "llm_fakes.scripted.turns",
    "load_script": "llm_fakes.scripted.files",
    # Cassettes.
    "CassetteProvider": "llm_fakes.cassettes.provider",
    "RecordMode": "llm_fakes.cassettes.provider",
    # Fake servers and the kit's HTTP providers.
    "FakeOpenAI": "llm_fakes.http.fake_openai",
    "FakeAnthropic": "llm_fakes.http.fake_anthropic",
    "FakeGemini": "llm_fakes.http.fake_gemini",
    "GeminiProvider": "llm_fakes.http.gemini",
    "OpenAIProvider": "llm_fakes.http.openai",
    "OpenAIResponsesProvider": "llm_fakes.http.openai_responses",
    "AnthropicProvider": "llm_fakes.http.anthropic",
    # Conformance, snapshots, the network guard.
    "ProviderContract": "llm_fakes.contract.suite",
    "ProviderFactory": "llm_fakes.contract.factory",
    "LLMSnapshotExtension": "llm_fakes.snapshot",
    "block_network": "llm_fakes.guard",
    # Time and retries.
    "VirtualClock": "llm_fakes.clock",
    "RetryPolicy": "llm_fakes.retry",
}

#: Names that live in their own module now and are still importable from here, without a
#: warning (a DeprecationWarning would fail suites that run with ``-W error``). They are left
#: out of ``__all__`` and ``dir()``.
_ELSEWHERE: dict[str, str] = {
    **dict.fromkeys(
        [
            "APIConnectionError",
            "AuthenticationError",
            "BadRequestError",
            "CassetteError",
            "CassetteFormatError",
            "CassetteMiss",
            "CassetteWriteError",
            "ContractViolation",
            "EmptyResponseError",
            "JSONModeError",
            "LLMFakesError",
            "NetworkBlockedError",
            "NotFoundError",
            "OverloadedError",
            "PermissionDeniedError",
            "ProviderError",
            "ProviderTimeoutError",
            "RateLimitError",
            "ResponseFormatError",
            "ScriptError",
            "ScriptExhausted",
            "ServerError",
            "TypeResolutionError",
            "UnprocessableEntityError",
            "UnusedInteractionsError",
            "UnusedScriptError",
            "UsageError",
        ],
        "llm_fakes.errors",
    ),
    **dict.fromkeys(
        [
            "FinishEvent",
            "ReasoningDeltaEvent",
            "ReasoningStartEvent",
            "StreamErrorEvent",
            "StreamEvent",
            "TextDeltaEvent",
            "TextEndEvent",
            "ToolCallEvent",
            "ToolResultEvent",
        ],
        "llm_fakes.events",
    ),
    "Clock": "llm_fakes.clock",
    "RealClock": "llm_fakes.clock",
    "TypeSet": "llm_fakes.typeset",
    "JSON_FLAWS": "llm_fakes.scripted.flaws",
    "ServerToolCall": "llm_fakes.scripted.server_tools",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    # Not cached here: the defining module is the one source of each name, so a test tool that
    # drops modules between runs (pytester does) cannot leave an old class beside a new one.
    module = _PUBLIC.get(name) or _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'llm_fakes' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
