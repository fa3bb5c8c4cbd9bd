"""Providers for the suite to judge: one honest wrapper, and one deliberately broken provider per
property (the bug each breaks is in its docstring).

Every provider here wraps the backend's scripted fake and does its own retries (asking the fake
for one attempt at a time), so a mutant can get retries wrong the way real providers do.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

from llm_fakes import LLMProvider, LLMResponse, OpenAIProvider, ProviderError, RetryPolicy
from llm_fakes.clock import Clock
from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.errors import JSONModeError
from llm_fakes.events import FinishEvent, StreamErrorEvent, TextDeltaEvent, TextEndEvent
from llm_fakes.retry import retry_async, retry_sync


class Wrapper(LLMProvider):
    """An honest provider over another one: its own retries on its own (injected) clock."""

    __test__ = False
    door = "scripted"

    def __init__(self, inner: Any, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock
        self.retry_policy = RetryPolicy(jitter=0.0)
        self.default_max_retries = self.retry_policy.default_max_retries

    # The one place each mutant may bend: how a request is passed on, and how retries run.
    def _args(self, **kwargs: Any) -> dict[str, Any]:
        return kwargs

    def _budget(self, max_retries: int | None) -> int | None:
        return max_retries

    def _retry(self, attempt: Callable[[int], Any], max_retries: int | None) -> Any:
        return retry_sync(
            attempt,
            policy=self.retry_policy,
            max_retries=self._budget(max_retries),
            clock=self.clock,
        )

    async def _aretry(self, attempt: Callable[[int], Any], max_retries: int | None) -> Any:
        return await retry_async(
            attempt,
            policy=self.retry_policy,
            max_retries=self._budget(max_retries),
            clock=self.clock,
        )

    def complete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: Any = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        args = self._args(
            messages=messages,
            system=system,
            tools=tools,
            max_tokens=max_tokens,
            response_format=response_format,
            json_mode=json_mode,
        )
        result: LLMResponse = self._retry(
            lambda _n: self.inner.complete(**args, max_retries=0), max_retries
        )
        return result

    async def acomplete(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: Any = None,
        max_tokens: int = 1024,
        response_format: dict[str, Any] | None = None,
        json_mode: bool = False,
        max_retries: int | None = None,
    ) -> LLMResponse:
        args = self._args(
            messages=messages,
            system=system,
            tools=tools,
            max_tokens=max_tokens,
            response_format=response_format,
            json_mode=json_mode,
        )
        result: LLMResponse = await self._aretry(
            lambda _n: self.inner.acomplete(**args, max_retries=0), max_retries
        )
        return result

    async def stream(
        self,
        messages: list[dict[str, Any]],
        system: str = "",
        tools: Any = None,
        max_tokens: int = 4096,
    ) -> AsyncIterator[Any]:
        args = self._args(messages=messages, system=system, tools=tools, max_tokens=max_tokens)
        async for event in self.inner.stream(**args):
            yield event


# ----------------------------------------------------------------------------- C1–C4


class EmptyModel(Wrapper):
    """C1: reports ``model=""``."""

    def complete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        return dataclasses.replace(super().complete(*args, **kwargs), model="")

    async def acomplete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        return dataclasses.replace(await super().acomplete(*args, **kwargs), model="")


class AsyncCountsDifferently(Wrapper):
    """C2: ``acomplete`` reports one output token more than ``complete``."""

    async def acomplete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        r = await super().acomplete(*args, **kwargs)
        return dataclasses.replace(r, output_tokens=r.output_tokens + 1)


class BlockingAsync(Wrapper):
    """C3: ``acomplete`` calls the blocking ``complete`` on the event loop."""

    async def acomplete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        return self.complete(*args, **kwargs)


class IgnoresMaxTokens(Wrapper):
    """C4: always sends ``max_tokens=1024``."""

    def _args(self, **kwargs: Any) -> dict[str, Any]:
        return {**kwargs, "max_tokens": 1024}


class TagsCallersHistory(Wrapper):
    """C5: marks the caller's last message for prompt caching in place, as a provider adding
    Anthropic's ``cache_control`` to "its" copy of the history does."""

    def _args(self, **kwargs: Any) -> dict[str, Any]:
        messages = kwargs["messages"]
        if messages:
            messages[-1]["cache_control"] = {"type": "ephemeral"}
        return kwargs


# ----------------------------------------------------------------------------- S1–S9


class _StreamMutant(Wrapper):
    def _events(self, events: list[Any]) -> list[Any]:
        return events

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async for event in super().stream(*args, **kwargs):
            for out in self._events([event]):
                yield out


class SnapshotDrift(_StreamMutant):
    """S1: each snapshot is only its own chunk."""

    def _events(self, events: list[Any]) -> list[Any]:
        return [
            TextDeltaEvent(content=e.content, snapshot=e.content) if e.type == "text_delta" else e
            for e in events
        ]


class DoubleTextEnd(_StreamMutant):
    """S2: sends ``TextEndEvent`` twice."""

    def _events(self, events: list[Any]) -> list[Any]:
        return [x for e in events for x in ([e, e] if e.type == "text_end" else [e])]


class FinishTwice(_StreamMutant):
    """S3: sends the ``FinishEvent`` twice."""

    def _events(self, events: list[Any]) -> list[Any]:
        return [x for e in events for x in ([e, e] if e.type == "finish" else [e])]


class DropsStreamUsage(_StreamMutant):
    """S4: the stream's ``FinishEvent`` reports no output tokens."""

    def _events(self, events: list[Any]) -> list[Any]:
        return [
            dataclasses.replace(e, output_tokens=0) if isinstance(e, FinishEvent) else e
            for e in events
        ]


class LosesStreamToolCalls(_StreamMutant):
    """S5: drops ``ToolCallEvent``s from the stream."""

    def _events(self, events: list[Any]) -> list[Any]:
        return [e for e in events if e.type != "tool_call"]


class RepeatsTextAfterRetry(Wrapper):
    """S6: restarts a stream that failed mid-way and sends its text again (snapshots stay
    consistent, so only the repetition is wrong)."""

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        text = ""
        for attempt in range(3):
            retry = False
            async for e in super().stream(*args, **kwargs):
                if e.type == "error" and e.recoverable and text and attempt < 2:
                    retry = True
                    break
                if e.type == "text_delta":
                    text += e.content
                    yield TextDeltaEvent(content=e.content, snapshot=text)
                elif e.type == "text_end":
                    yield TextEndEvent(full_text=text)
                else:
                    yield e
            if not retry:
                return


class LeaksProducerTask(Wrapper):
    """S7: streams through a helper task that nobody cancels when the reader walks away."""

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        inner = super().stream

        async def produce() -> None:
            async for event in inner(*args, **kwargs):
                await queue.put(event)
            await queue.put(None)

        self._task = asyncio.get_running_loop().create_task(produce())
        while (event := await queue.get()) is not None:
            yield event


class HoldsInnerStream(Wrapper):
    """S7, over a real socket: keeps every inner stream it opened, so an abandoned one is never
    closed and its HTTP response stays open (wraps ``OpenAIProvider`` on the loopback server)."""

    door = "openai@loopback"

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        inner = self.inner.stream(*args, **kwargs)
        self.__dict__.setdefault("held", []).append(inner)
        async for event in inner:
            yield event


class TruncatesOnDrop(_StreamMutant):
    """S8: a stream that broke after some text ends in a normal ``FinishEvent(stop)``, as a
    provider treating the end of the connection as the end of the answer does."""

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        text = False
        async for event in super().stream(*args, **kwargs):
            text = text or event.type == "text_delta"
            if event.type == "error" and text:
                yield FinishEvent(input_tokens=0, output_tokens=0, stop_reason="stop")
                return
            yield event


class AlwaysRecoverable(_StreamMutant):
    """S9: every ``StreamErrorEvent`` says ``recoverable=True``, a 401 and a 400 included."""

    def _events(self, events: list[Any]) -> list[Any]:
        return [
            dataclasses.replace(e, recoverable=True) if isinstance(e, StreamErrorEvent) else e
            for e in events
        ]


# ----------------------------------------------------------------------------- J1–J3


class DropsResponseFormat(Wrapper):
    """J1: never passes ``response_format`` on."""

    def _args(self, **kwargs: Any) -> dict[str, Any]:
        return {**kwargs, "response_format": None} if "response_format" in kwargs else kwargs


class MangledSchema(Wrapper):
    """J2: strips ``required`` from a json_schema before sending it."""

    def _args(self, **kwargs: Any) -> dict[str, Any]:
        rf = kwargs.get("response_format")
        if rf and rf.get("type") == "json_schema":
            spec = rf["json_schema"]
            schema = {k: v for k, v in spec["schema"].items() if k != "required"}
            kwargs = {
                **kwargs,
                "response_format": {**rf, "json_schema": {**spec, "schema": schema}},
            }
        return kwargs


class SwallowsJSONErrors(Wrapper):
    """J3: turns the backend's "not valid JSON" error into an empty object."""

    def complete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        try:
            return super().complete(*args, **kwargs)
        except JSONModeError:
            return LLMResponse(content="{}", model="swallowed")


# ----------------------------------------------------------------------------- R1–R6


class IgnoresMaxRetries(Wrapper):
    """R1: always retries by its default budget, whatever ``max_retries`` says."""

    def _budget(self, max_retries: int | None) -> int | None:
        return None


class WrongDefault(Wrapper):
    """R2: documents ``default_max_retries = 2`` but retries three times for ``None``."""

    def _budget(self, max_retries: int | None) -> int | None:
        return 3 if max_retries is None else max_retries


class RetriesPermanent(Wrapper):
    """R3: retries every provider error, a 400 included."""

    def __init__(self, inner: Any, clock: Clock) -> None:
        super().__init__(inner, clock)
        self.retry_policy = _AlwaysTransient(jitter=0.0)


@dataclasses.dataclass(frozen=True, kw_only=True)
class _AlwaysTransient(RetryPolicy):
    @staticmethod
    def is_transient(error: BaseException) -> bool:
        return isinstance(error, ProviderError)


class UntypedFinalError(Wrapper):
    """R4: after the last attempt raises a bare ``RuntimeError`` with the message."""

    def complete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        try:
            return super().complete(*args, **kwargs)
        except ProviderError as exc:
            if exc.retryable:
                raise RuntimeError(str(exc)) from None
            raise

    async def acomplete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        try:
            return await super().acomplete(*args, **kwargs)
        except ProviderError as exc:
            if exc.retryable:
                raise RuntimeError(str(exc)) from None
            raise


@dataclasses.dataclass(frozen=True, kw_only=True)
class _NoRetryAfter(RetryPolicy):
    def delay(self, error: BaseException, retry_index: int) -> float:
        return float(min(self.base_delay * 2**retry_index, self.max_delay))


class IgnoresRetryAfter(Wrapper):
    """R5: backs off exponentially and ignores the server's ``Retry-After``."""

    def __init__(self, inner: Any, clock: Clock) -> None:
        super().__init__(inner, clock)
        self.retry_policy = _NoRetryAfter(jitter=0.0)


class _WallClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, 0.001))

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(min(seconds, 0.001))


class SleepsForReal(Wrapper):
    """R5: waits with ``time.sleep`` (cut to 1 ms here), not on the injected clock."""

    def __init__(self, inner: Any, clock: Clock) -> None:
        super().__init__(inner, _WallClock())


class PerKindBudget(Wrapper):
    """R6: gives each failure kind its own ``max_retries`` budget, yet declares one shared."""

    def _retry(self, attempt: Callable[[int], Any], max_retries: int | None) -> Any:
        budget = self.retry_policy.retries_for(max_retries)
        used: Counter[type] = Counter()
        n = 0
        while True:
            try:
                return attempt(n)
            except ProviderError as exc:
                if not exc.retryable or used[type(exc)] >= budget:
                    raise
                used[type(exc)] += 1
                self.clock.sleep(self.retry_policy.delay(exc, n))
                n += 1


# ----------------------------------------------------------------------------- factories


def factory(cls: type[Wrapper]) -> ProviderFactory:
    """The factory the suite is given for ``cls``: over the scripted fake, or over an
    ``OpenAIProvider`` talking to the loopback server (``door = "openai@loopback"``)."""

    def build(backend: Any) -> Wrapper:
        if cls.door == "scripted":
            return cls(backend.scripted, backend.clock)
        inner = OpenAIProvider(
            "m", api_key="sk-test", base_url=backend.openai_base_url, clock=backend.clock
        )
        backend.add_cleanup(inner.close)
        return cls(inner, backend.clock)

    return ProviderFactory(build, name=cls.__name__)


#: Each mutant, the property it breaks, and every property allowed to fail with it (the target
#: and those that logically depend on what it breaks).
MUTANTS: dict[type[Wrapper], tuple[str, set[str]]] = {
    EmptyModel: ("C1", {"C1"}),
    AsyncCountsDifferently: ("C2", {"C2"}),
    BlockingAsync: ("C3", {"C3"}),
    IgnoresMaxTokens: ("C4", {"C4"}),
    TagsCallersHistory: ("C5", {"C5"}),
    SnapshotDrift: ("S1", {"S1", "S2"}),  # S2 compares the last snapshot
    DoubleTextEnd: ("S2", {"S2"}),
    FinishTwice: ("S3", {"S3"}),
    DropsStreamUsage: ("S4", {"S4"}),
    LosesStreamToolCalls: ("S5", {"S5"}),
    RepeatsTextAfterRetry: ("S6", {"S6"}),
    LeaksProducerTask: ("S7", {"S7"}),
    HoldsInnerStream: ("S7", {"S7"}),
    TruncatesOnDrop: ("S8", {"S8"}),
    AlwaysRecoverable: ("S9", {"S9"}),
    DropsResponseFormat: ("J1", {"J1", "J2", "J3"}),  # no JSON request reaches the backend
    MangledSchema: ("J2", {"J2"}),
    SwallowsJSONErrors: ("J3", {"J2", "J3"}),  # the schema error is swallowed too
    IgnoresMaxRetries: ("R1", {"R1", "R2", "R3", "R4", "R5", "R6"}),  # all count attempts
    WrongDefault: ("R2", {"R2"}),
    RetriesPermanent: ("R3", {"R3"}),
    UntypedFinalError: ("R4", {"R4"}),
    IgnoresRetryAfter: ("R5", {"R5"}),
    SleepsForReal: ("R5", {"R5"}),
    PerKindBudget: ("R6", {"R6"}),
}


# ----------------------------------------------------------------------------- several at once


class TwoWaysToBreakC4(Wrapper):
    """C4, twice over, independently: complete() and acomplete() cap ``max_tokens`` at 512, and
    stream() drops the system prompt (two code paths, two bugs)."""

    def _args(self, **kwargs: Any) -> dict[str, Any]:
        if "response_format" in kwargs:  # complete / acomplete
            return {**kwargs, "max_tokens": min(kwargs["max_tokens"], 512)}
        return {**kwargs, "system": ""}


class CompleteDropsToolUses(Wrapper):
    """C1 (and S5, which compares the stream with complete()): complete() and acomplete() return
    no tool uses, while stream() still yields the ToolCallEvents."""

    def complete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        return dataclasses.replace(super().complete(*args, **kwargs), tool_uses=[])

    async def acomplete(self, *args: Any, **kwargs: Any) -> LLMResponse:
        return dataclasses.replace(await super().acomplete(*args, **kwargs), tool_uses=[])


class RetriesInside(Wrapper):
    """R1/R2/R4/R6: each of its attempts goes through an inner loop that retries twice more
    (as an SDK left at its own ``max_retries=2`` does), whatever ``max_retries`` says."""

    def _retry(self, attempt: Callable[[int], Any], max_retries: int | None) -> Any:
        def inner(n: int) -> Any:
            return retry_sync(attempt, policy=self.retry_policy, max_retries=2, clock=self.clock)

        return super()._retry(inner, max_retries)

    async def _aretry(self, attempt: Callable[[int], Any], max_retries: int | None) -> Any:
        async def inner(n: int) -> Any:
            return await retry_async(
                attempt, policy=self.retry_policy, max_retries=2, clock=self.clock
            )

        return await super()._aretry(inner, max_retries)
