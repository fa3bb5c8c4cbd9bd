"""Checks S1–S7: ``stream`` (docs/contract.md, "stream").

Streams are read on a private event loop per example. S7 also watches the loop's tasks, the
process's threads and the backend's open streams before and after the caller walks away.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from hypothesis import strategies as st

from llm_fakes.contract import strategies as gen
from llm_fakes.contract._support import (
    TERMINAL,
    Context,
    call_method,
    events_or_error,
    expected_uses,
    fail,
    is_typed,
    kind,
    raised_before_output,
    raised_cause,
    run,
    short,
    show_events,
    stream_events,
    tool_uses,
)
from llm_fakes.contract.cases import BackendOptions, CallRequest, Case
from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.scripted.turns import Fail, Reply

#: How long S7 waits for an abandoned stream to be released before calling it a leak.
S7_SETTLE = 0.5
S7_WORDS = 200
S7_CHUNK_DELAY = 0.01
_WIRE = st.just(()) | gen.byte_splits()
_0_3 = st.integers(0, 3)
_LEADS = st.sampled_from(["none", "transient", "mid_stream"])
_ENDINGS = st.sampled_from(["reply", "permanent", "broken", "transient"])
_WORDS = st.lists(gen.texts(min_size=1, max_size=6), min_size=2, max_size=6)
_FRACTION = st.integers(0, 100)


def _stream_case(
    factory: ProviderFactory, *, copies: int, tools: bool | None = None, prefix: bool = False
) -> st.SearchStrategy[Case]:
    # Tool calls in the replies only where every method the property compares returns them.
    use_tools = factory.supports("stream_tool_calls") and (
        copies == 1 or factory.supports("tool_calls")
    )
    if tools is not None:
        use_tools = tools
    send_tools = factory.supports("send_tools")

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        reply = draw(gen.replies(tool_calls=use_tools, require_tool_calls=bool(tools)))
        script: tuple[Reply | Fail, ...] = (reply,) * copies
        if prefix and factory.supports("retries"):
            lead = draw(_LEADS)
            if lead == "transient":
                script = (draw(gen.transient_failures()), *script)
            elif lead == "mid_stream":
                script = (Fail.mid_stream(reply, after_chunk=draw(_0_3)), *script)
        request = draw(gen.call_requests(tool_calls=send_tools, rich=False))
        options = BackendOptions(byte_splits=draw(_WIRE))
        return Case(script=script, request=request, backend=options)

    return build()


def _text_deltas(events: list[Any]) -> list[Any]:
    return [e for e in events if kind(e) == "text_delta"]


def _last_snapshot(events: list[Any]) -> str:
    deltas = _text_deltas(events)
    return str(deltas[-1].snapshot) if deltas else ""


def _finished(events: list[Any], what: str) -> Any:
    if not events or kind(events[-1]) != "finish":
        raise fail(f"{what}: the stream did not end with a FinishEvent:\n{show_events(events)}")
    return events[-1]


# --------------------------------------------------------------------------- S1


def cases_s1(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return _stream_case(factory, copies=1, prefix=True)


def check_s1(ctx: Context) -> None:
    events = stream_events(ctx)
    so_far = ""
    for i, event in enumerate(events):
        if kind(event) != "text_delta":
            continue
        so_far += event.content
        if event.snapshot != so_far:
            raise fail(
                f"events[{i}].snapshot is {short(event.snapshot)}, but the deltas so far join to "
                f"{short(so_far)}:\n{show_events(events)}",
                cause=_repeats_after_retry(ctx, events),
            )


def _repeats_after_retry(ctx: Context, events: list[Any]) -> str:
    """S6's cause, when this example's stream broke mid-way and its text came out repeated."""
    first = ctx.case.script[0] if ctx.case.script else None
    if not (isinstance(first, Fail) and first.kind == "mid_stream"):
        return ""
    text = "".join(r.content for r in ctx.case.script[1:2] if isinstance(r, Reply))
    streamed = "".join(e.content for e in _text_deltas(events))
    return REPEATS if streamed != text and not text.startswith(streamed) else ""


#: The cause S1 and S6 share.
REPEATS = "stream() repeats text after a mid-stream retry"


# --------------------------------------------------------------------------- S2


def cases_s2(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return _stream_case(factory, copies=2)


def check_s2(ctx: Context) -> None:
    content = call_method(ctx, "complete").content
    events = stream_events(ctx)
    ends = [(i, e) for i, e in enumerate(events) if kind(e) == "text_end"]
    last = _last_snapshot(events)
    if len(ends) > 1:
        raise fail(f"{len(ends)} TextEndEvents (at most one allowed):\n{show_events(events)}")
    if ends and ends[0][1].full_text != last:
        raise fail(
            f"TextEndEvent.full_text is {ends[0][1].full_text!r}, the last snapshot is "
            f"{last!r}:\n{show_events(events)}"
        )
    if last != content:
        raise fail(
            f"The streamed text is {last!r}, complete() returned {content!r} for the same "
            f"request:\n{show_events(events)}"
        )


# --------------------------------------------------------------------------- S3


def cases_s3(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    @st.composite
    def build(draw: st.DrawFn) -> Case:
        reply = draw(gen.replies(tool_calls=factory.supports("stream_tool_calls")))
        ending = draw(_ENDINGS)
        script: tuple[Reply | Fail, ...]
        if ending == "permanent":
            script = (draw(gen.permanent_failures()),)
        elif ending == "broken":
            j = draw(_0_3)
            script = (Fail.mid_stream(reply, after_chunk=j, recoverable=False),)
        elif ending == "transient":
            script = (draw(gen.transient_failures()), reply)
        else:
            script = (reply,)
        request = draw(gen.call_requests(tool_calls=factory.supports("send_tools"), rich=False))
        return Case(script=script, request=request, backend=BackendOptions(byte_splits=draw(_WIRE)))

    return build()


def check_s3(ctx: Context) -> None:
    events, error = run(lambda: events_or_error(ctx))
    terminal = [i for i, e in enumerate(events) if kind(e) in TERMINAL]
    if error is not None:
        if terminal:
            raise fail(
                f"stream() raised {error!r} after its terminal event events[{terminal[0]}]:\n"
                f"{show_events(events)}"
            )
        if not is_typed(error):
            raise fail(
                f"stream() ended by raising {type(error).__name__}: {error} instead of a "
                f"terminal FinishEvent or StreamErrorEvent:\n{show_events(events)}",
                cause=raised_cause(error),
            )
        return
    if len(terminal) != 1:
        raise fail(
            f"stream() yielded {len(terminal)} terminal events (FinishEvent/StreamErrorEvent), "
            f"exactly one expected:\n{show_events(events)}"
        )
    if terminal[0] != len(events) - 1:
        raise fail(
            f"stream() yielded events after its terminal events[{terminal[0]}]:\n"
            f"{show_events(events)}"
        )


# --------------------------------------------------------------------------- S4


def cases_s4(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return _stream_case(factory, copies=2)


def check_s4(ctx: Context) -> None:
    r = call_method(ctx, "complete")
    events = stream_events(ctx)
    finish = _finished(events, "S4")
    diffs = [
        f"{name}: FinishEvent {getattr(finish, name, None)!r} != complete() "
        f"{getattr(r, name, None)!r}"
        for name in ("input_tokens", "output_tokens", "stop_reason")
        if getattr(finish, name, None) != getattr(r, name, None)
    ]
    if diffs:
        raise fail("The stream's FinishEvent disagrees with complete():\n  " + "\n  ".join(diffs))


# --------------------------------------------------------------------------- S5


def cases_s5(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return _stream_case(factory, copies=2, tools=True)


def check_s5(ctx: Context) -> None:
    # Against complete() when it returns tool calls; against the script when it may not.
    scripted = expected_uses(ctx.reply(0))
    if ctx.factory.supports("tool_calls"):
        want = tool_uses(call_method(ctx, "complete"), ctx.factory)
        source = "complete() returned tool uses"
    else:
        want, source = scripted, "the backend produced"
    events = stream_events(ctx)
    got = [(e.tool_use_id, e.tool_name, e.tool_input) for e in events if kind(e) == "tool_call"]
    if got != want:
        cause = ""
        if not want and scripted:
            cause = "complete() returns no tool uses"
        elif not got and want:
            cause = "stream() yields no ToolCallEvents"
        raise fail(
            f"The stream's ToolCallEvents are {short(got)}, {source} {short(want)}:\n"
            f"{show_events(events)}",
            key="complete" if cause.startswith("complete") else "stream",
            cause=cause,
        )


# --------------------------------------------------------------------------- S6


def cases_s6(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    @st.composite
    def build(draw: st.DrawFn) -> Case:
        words = draw(_WORDS)
        reply = Reply(text="".join(words), chunks=words)
        j = draw(_FRACTION) * (len(words) - 1) // 100
        script = (Fail.mid_stream(reply, after_chunk=j), reply, reply)
        request = draw(gen.call_requests(tool_calls=False, rich=False))
        return Case(
            script=script,
            request=request,
            params={"after_chunk": j},
            backend=BackendOptions(byte_splits=draw(_WIRE)),
        )

    return build()


def check_s6(ctx: Context) -> None:
    text = ctx.reply(1).content
    events, error = run(lambda: events_or_error(ctx))
    vacuous = raised_before_output("stream", events, error)
    if vacuous:
        raise vacuous
    streamed = "".join(e.content for e in _text_deltas(events))
    if not text.startswith(streamed):
        before = "".join((ctx.reply(1).chunks or ())[: ctx.case.params["after_chunk"]])
        raise fail(
            f"After a failure mid-stream (having yielded {short(before)}) the stream went on to "
            f"yield {short(streamed)} in all: text already yielded came again. A stream must not "
            f"retry once it has yielded text, or must not repeat it.\n{show_events(events)}",
            cause=REPEATS,
        )


# --------------------------------------------------------------------------- S7


def cases_s7(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    # Long enough (2 s) that a loopback server is still streaming when S7_SETTLE runs out,
    # unless the client closed its connection.
    reply = Reply(text="".join(f"w{i} " for i in range(S7_WORDS)))
    return st.builds(
        lambda first: Case(
            script=(reply, reply),
            request=CallRequest(messages=[{"role": "user", "content": "Tell me a story."}]),
            params={"abandon": (first, "cancel" if first == "break" else "break")},
            # Real time: the chunk delay and the release deadline are measured on the wall.
            backend=BackendOptions(real_time=True, chunk_delay=S7_CHUNK_DELAY),
            summary=f"script: 2 x Reply(text='w0 w1 ... w{S7_WORDS - 1} ') (one word every "
            f"{S7_CHUNK_DELAY * 1000:g} ms at the HTTP doors)",
        ),
        st.sampled_from(["break", "cancel"]),
    )


async def _abandon(ctx: Context, how: str) -> tuple[list[str], int]:
    before = asyncio.all_tasks()
    if how == "break":
        stream = ctx.provider.stream(**ctx.request)
        async for _ in stream:
            break
        del stream  # dropped without aclose(), as a plain `async for ... break` leaves it
    else:
        first = asyncio.Event()

        async def consume() -> None:
            async for _ in ctx.provider.stream(**ctx.request):
                first.set()

        task = asyncio.create_task(consume())
        waiter = asyncio.create_task(first.wait())
        await asyncio.wait({task, waiter}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        task.cancel()
        waiter.cancel()
        outcomes = await asyncio.gather(task, waiter, return_exceptions=True)
        if not first.is_set():
            error = outcomes[0]
            if isinstance(error, Exception):
                raise fail(f"stream() raised {error!r} before its first event")
            raise fail("stream() yielded no event within 5 s")
    me = asyncio.current_task()
    deadline = time.perf_counter() + S7_SETTLE
    while True:
        await asyncio.sleep(0.01)
        pending = [t for t in asyncio.all_tasks() - before if t is not me and not t.done()]
        still_open = ctx.backend.open_streams()
        if (not pending and not still_open) or time.perf_counter() > deadline:
            return [repr(t.get_coro()) for t in pending], still_open


def check_s7(ctx: Context) -> None:
    for how in ctx.case.params["abandon"]:
        _check_abandon(ctx, how)


def _check_abandon(ctx: Context, how: str) -> None:
    from llm_fakes.contract.virtual_time import BACKEND_THREAD_PREFIX

    threads_before = set(threading.enumerate())
    pending, still_open = run(lambda: _abandon(ctx, how))
    deadline = time.perf_counter() + S7_SETTLE
    while True:
        threads = [
            t
            for t in threading.enumerate()
            if t not in threads_before
            and t.is_alive()
            and not t.name.startswith(BACKEND_THREAD_PREFIX)
        ]
        if not threads or time.perf_counter() > deadline:
            break
        time.sleep(0.01)
    verb = {"break": "breaking out of", "cancel": "cancelling the task reading"}[how]
    leaks = []
    if still_open:
        leaks.append(f"the backend is still serving {still_open} stream(s)")
    if pending:
        leaks.append(f"{len(pending)} task(s) still pending: {', '.join(pending)}")
    if threads:
        leaks.append(f"{len(threads)} thread(s) still running: {[t.name for t in threads]!r}")
    if leaks:
        raise fail(
            f"{S7_SETTLE} s after {verb} stream() at its first event: "
            + "; ".join(leaks)
            + ". Close the HTTP response / inner stream in a finally block (or async with), "
            "and cancel helper tasks when the generator closes."
        )
