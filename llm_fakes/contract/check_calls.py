"""Checks C1–C4: ``complete`` and ``acomplete`` (docs/contract.md, "complete / acomplete").

Each property has a case strategy (``cases_<ID>(factory)``) and a check (``check_<ID>(ctx)``)
that raises :class:`~llm_fakes.errors.ContractViolation` with a message saying what differed.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from hypothesis import strategies as st

from llm_fakes.contract import strategies as gen
from llm_fakes.contract._support import (
    Context,
    call_method,
    canonical_message,
    canonical_tools,
    collect,
    expected_uses,
    fail,
    is_int,
    kind,
    run,
    short,
    show_events,
    tool_uses,
    view,
)
from llm_fakes.contract.cases import BackendOptions, CallRequest, Case
from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.scripted.turns import Reply

#: The backend's latency in C3, the ticker's period, the longest pause of the loop C3 tolerates
#: while it waits, and how many measured calls may each show a pause before C3 fails.
C3_LATENCY = 0.2
C3_TICK = 0.005
C3_MAX_GAP = 0.1
C3_TRIES = 3


def _reply_case(factory: ProviderFactory, copies: int) -> st.SearchStrategy[Case]:
    return st.builds(
        lambda reply, request: Case(script=(reply,) * copies, request=request),
        gen.replies(tool_calls=factory.supports("tool_calls")),
        gen.call_requests(tool_calls=factory.supports("send_tools"), rich=False),
    )


# --------------------------------------------------------------------------- C1


def cases_c1(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return _reply_case(factory, 1)


def check_c1(ctx: Context) -> None:
    reply = ctx.reply(0)
    r = ctx.provider.complete(**ctx.request)
    # (what, message): each distinct set of "what"s is its own failure, shrunk on its own.
    problems: list[tuple[str, str]] = []
    content = getattr(r, "content", None)
    if not isinstance(content, str):
        problems.append(("content", f"content is {short(content)}, not a str"))
    model = getattr(r, "model", None)
    if not isinstance(model, str) or not model:
        problems.append(("model", f"model is {short(model)}, not a non-empty str"))
    for name in ("input_tokens", "output_tokens"):
        if not is_int(getattr(r, name, None)):
            problems.append((name, f"{name} is {short(getattr(r, name, None))}, not an int >= 0"))
    if not isinstance(getattr(r, "stop_reason", None), str):
        stop = getattr(r, "stop_reason", None)
        problems.append(("stop_reason", f"stop_reason is {short(stop)}, not a str"))
    if isinstance(content, str) and content != reply.content:
        problems.append(
            ("content", f"content is {short(content)}, the backend produced {reply.content!r}")
        )
    got, want = tool_uses(r, ctx.factory), expected_uses(reply)
    cause = ""
    if got != want:
        problems.append(("tool_uses", f"tool uses are {short(got)}, the backend produced {want!r}"))
        cause = "complete() returns no tool uses" if not got else ""
    if problems:
        raise fail(
            "; ".join(m for _, m in problems) + f". complete() returned {short(r)}",
            key="+".join(sorted({w for w, _ in problems})),
            cause=cause,
        )


# --------------------------------------------------------------------------- C2


def cases_c2(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return _reply_case(factory, 2)


def check_c2(ctx: Context) -> None:
    sync = view(call_method(ctx, "complete"), ctx.factory)
    async_ = view(call_method(ctx, "acomplete"), ctx.factory)
    differ = [k for k in sync if sync[k] != async_[k]]
    if differ:
        diffs = [f"{k}: complete {short(sync[k])} != acomplete {short(async_[k])}" for k in differ]
        raise fail(
            "acomplete() differs from complete() for the same request:\n  " + "\n  ".join(diffs),
            key="+".join(differ),
        )


# --------------------------------------------------------------------------- C3


def cases_c3(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return st.builds(
        lambda text: Case(
            script=(Reply(text=text),) * (1 + C3_TRIES),
            request=CallRequest(messages=[{"role": "user", "content": "Hello?"}]),
            backend=BackendOptions(real_time=True, latency=C3_LATENCY),
        ),
        st.sampled_from(["Hello there.", "Hi! 😀"]),
    )


async def _ticking(call: Any) -> tuple[float, int]:
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(C3_TICK)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    start = time.perf_counter()
    try:
        await call
    finally:
        end = time.perf_counter()
        task.cancel()
    marks = [start, *(t for t in ticks if t > start), end]
    return max(b - a for a, b in itertools.pairwise(marks)), len(marks) - 2


def check_c3(ctx: Context) -> None:
    async def measure() -> list[tuple[float, int]]:
        # A warm-up call first: a one-time import or client set-up is not a blocked loop.
        await ctx.provider.acomplete(**ctx.request)
        seen = []
        for _ in range(C3_TRIES):  # a busy machine may stall any one run: blocking stalls all
            gap, ticks = await _ticking(ctx.provider.acomplete(**ctx.request))
            seen.append((gap, ticks))
            if gap <= C3_MAX_GAP:
                break
        return seen

    seen = run(measure)
    if all(gap > C3_MAX_GAP for gap, _ in seen):
        shown = ", ".join(f"{gap:.3f} s ({ticks} ticks)" for gap, ticks in seen)
        raise fail(
            f"acomplete() blocked the event loop: while the backend took {C3_LATENCY} s to "
            f"answer, a ticker task scheduled every {C3_TICK * 1000:g} ms was stalled for "
            f"{shown} in {len(seen)} calls. Await an async client, or run blocking work with "
            "loop.run_in_executor / asyncio.to_thread."
        )


# --------------------------------------------------------------------------- C4


def cases_c4(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    methods = ["complete", "acomplete"] + (["stream"] if factory.supports("streaming") else [])
    return st.builds(
        lambda text, request, method: Case(
            script=(Reply(text=text),), request=request, params={"method": method}
        ),
        gen.texts(min_size=1, max_size=12),
        gen.call_requests(tool_calls=factory.supports("send_tools"), rich=True),
        st.sampled_from(methods),
    )


def check_c4(ctx: Context) -> None:
    method = ctx.case.params["method"]
    if method == "stream":
        events = run(lambda: collect(ctx.provider.stream(**ctx.request)))
        errors = [e for e in events if kind(e) == "error"]
        if errors:
            raise fail(f"stream() refused the history:\n{show_events(events)}")
    else:
        call_method(ctx, method)
    seen = ctx.backend.requests
    if not seen:
        raise fail(f"{method}() returned, but no request reached the backend")
    got, req = seen[-1], ctx.case.request
    diffs, what = [], []
    want_msgs = [canonical_message(m) for m in req.messages]
    got_msgs = [canonical_message(m) for m in got.messages]
    if got_msgs != want_msgs:
        for i in range(max(len(want_msgs), len(got_msgs))):
            w = want_msgs[i] if i < len(want_msgs) else "(missing)"
            g = got_msgs[i] if i < len(got_msgs) else "(missing)"
            if w != g:
                diffs.append(f"messages[{i}]: sent {short(w)}, backend saw {short(g)}")
                break
        if len(want_msgs) != len(got_msgs):
            diffs.append(f"{len(want_msgs)} messages sent, backend saw {len(got_msgs)}")
        what.append("messages")
    if got.system != req.system:
        diffs.append(f"system: sent {short(req.system)}, backend saw {short(got.system)}")
        what.append("system")
    if canonical_tools(got.tools) != canonical_tools(req.tools):
        diffs.append(
            f"tools: sent {short(canonical_tools(req.tools))}, backend saw "
            f"{short(canonical_tools(got.tools))}"
        )
        what.append("tools")
    # A provider may declare the API's floor (the Responses API rejects max_output_tokens < 16).
    floor = getattr(ctx.provider, "min_max_tokens", None)
    want_max = max(req.max_tokens, floor) if isinstance(floor, int) else req.max_tokens
    if got.max_tokens != want_max:
        diffs.append(f"max_tokens: sent {req.max_tokens!r}, backend saw {got.max_tokens!r}")
        what.append("max_tokens")
    if diffs:
        # stream() and complete()/acomplete() often build requests apart: separate failures.
        path = "stream" if method == "stream" else "complete"
        raise fail(
            f"The request {method}() sent did not reach the backend intact ({got.door} "
            "door):\n  " + "\n  ".join(diffs),
            key=f"{path}:{'+'.join(what)}",
            # complete(), acomplete() and stream() losing the same part is one bug, one finding.
            cause=f"the request's {' and '.join(what)} do not reach the backend intact",
        )
