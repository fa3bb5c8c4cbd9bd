"""Checks C5, S8 and S9: what a caller must be able to trust beyond the reply itself
(docs/contract.md: C5 under "complete / acomplete", S8 and S9 under "stream").

* C5: the caller's ``messages``, ``tools`` and ``response_format`` come back untouched from every
  method, call after call (a provider that appends its JSON instruction to the caller's system
  message, or tags the last message with ``cache_control``, changes the caller's history).
* S8: a stream whose connection drops, or whose API sends an error event, part-way never ends in
  a normal ``FinishEvent`` with part of the answer (silent truncation).
* S9: ``StreamErrorEvent.recoverable`` says whether retrying can help: False for a permanent
  error, True for a transient one (a 401 marked recoverable is retried forever by its caller).

The rule for every property about output holds here too: a method that raised before producing
anything is not a pass (:func:`~llm_fakes.contract._support.raised_before_output`).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from llm_fakes.contract import strategies as gen
from llm_fakes.contract._support import (
    Context,
    events_or_error,
    fail,
    kind,
    outcome,
    raised_before_output,
    run,
    short,
    show_events,
)
from llm_fakes.contract.cases import BackendOptions, Case
from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.scripted.turns import Fail, Reply

#: Failures scripted for S9's transient part when the factory declares no default budget.
STREAM_FAILURES = 16
_WIRE = st.just(()) | gen.byte_splits()
_WORDS = st.lists(gen.texts(min_size=1, max_size=6), min_size=2, max_size=6)
_FRACTION = st.integers(0, 100)
_S9_TRANSIENT = ["rate_limit", "overloaded", "server_error", "timeout", "connection"]

#: The cause C5's failures share (one per method and argument would say the same thing).
MUTATES = "the provider changes the caller's {what} in place"


# --------------------------------------------------------------------------- C5


def cases_c5(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    methods = ["complete", "acomplete"] + (["stream"] if factory.supports("streaming") else [])
    formats: list[str] = ["none"]
    if factory.supports("json_mode"):
        formats += ["json_mode", "json_object"]
    if factory.supports("json_schema"):
        formats.append("json_schema")

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        method = draw(st.sampled_from(methods))
        fmt = draw(st.sampled_from(formats)) if method != "stream" else "none"
        params: dict[str, Any] = {"method": method, "ask": fmt}
        if fmt == "json_schema":
            schema, value = draw(gen.json_schemas_with_instance())
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema},
            }
            reply = Reply(json=value)
        elif fmt != "none":
            reply = Reply(json=draw(gen.json_objects()))
            if fmt == "json_object":
                params["response_format"] = {"type": "json_object"}
        else:
            reply = Reply(text=draw(gen.texts(min_size=1, max_size=12)))
        request = draw(gen.call_requests(tool_calls=factory.supports("send_tools"), rich=True))
        return Case(script=(reply, reply), request=request, params=params)

    return build()


async def _acall(ctx: Context, method: str, args: dict[str, Any]) -> tuple[Any, Any]:
    if method == "stream":
        return await events_or_error(ctx, **args)
    try:
        return await ctx.provider.acomplete(**args), None
    except Exception as exc:
        return None, exc


def _calls(ctx: Context, method: str, args: dict[str, Any], before: dict[str, Any]) -> None:
    """Call ``method`` twice with the same objects (the async ones on one event loop, as an
    application would: an async client is bound to its loop), checking after each call."""
    if method == "complete":
        for n in (1, 2):
            _judge(ctx, method, args, before, n, *outcome(lambda: ctx.provider.complete(**args)))
        return

    async def both() -> None:
        for n in (1, 2):
            _judge(ctx, method, args, before, n, *(await _acall(ctx, method, args)))

    run(both)


def check_c5(ctx: Context) -> None:
    p = ctx.case.params
    method, ask = p["method"], p["ask"]
    # The caller's own objects (a copy of the example's, so the counter-example prints clean).
    args: dict[str, Any] = copy.deepcopy(ctx.request)
    if "response_format" in p:
        args["response_format"] = copy.deepcopy(p["response_format"])
    if ask == "json_mode":
        args["json_mode"] = True
    _calls(ctx, method, args, copy.deepcopy(args))


def _judge(
    ctx: Context,
    method: str,
    args: dict[str, Any],
    before: dict[str, Any],
    n: int,
    result: Any,
    error: BaseException | None,
) -> None:
    call = f"{method}({', '.join(f'{k}=...' for k in args if k not in ('system', 'max_tokens'))})"
    vacuous = raised_before_output(method, result, error, typed_ok=False)
    if vacuous:
        raise vacuous
    changed = [k for k in ("messages", "tools", "response_format") if args.get(k) != before.get(k)]
    if changed:
        what = changed[0]
        raise fail(
            f"{call} changed the caller's {what} (call {n} of 2 with the same objects): "
            f"{_first_change(what, before[what], args[what])}. Copy what you change (a new "
            "list, a new dict per message) instead of editing the caller's objects.",
            key=what,
            cause=MUTATES.format(what=what),
        )


def _first_change(what: str, before: Any, after: Any) -> str:
    """Where ``after`` first differs from ``before``: one list item, or the whole value."""
    if isinstance(before, list) and isinstance(after, list):
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            if b != a:
                return f"{what}[{i}] was {short(b)}, is now {short(a)}"
        return f"it had {len(before)} item(s), now {len(after)}: {short(after)}"
    return f"it was {short(before)}, is now {short(after)}"


# --------------------------------------------------------------------------- S8


def cases_s8(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    retries = factory.supports("retries")

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        words = draw(_WORDS)
        reply = Reply(text="".join(words), chunks=words)
        j = 1 + draw(_FRACTION) * (len(words) - 2) // 100  # at least one chunk went out
        broken = draw(st.booleans())  # True: an error event on the wire; False: a dropped line
        first = Fail.mid_stream(reply, after_chunk=j, recoverable=not broken)
        script = (first, reply, reply) if retries else (first,)
        return Case(
            script=script,
            request=draw(gen.call_requests(tool_calls=False, rich=False)),
            params={"after_chunk": j, "ending": "error event" if broken else "dropped connection"},
            backend=BackendOptions(byte_splits=draw(_WIRE)),
        )

    return build()


def check_s8(ctx: Context) -> None:
    text = ctx.reply(1).content if len(ctx.case.script) > 1 else _reply_of(ctx).content
    events, error = run(lambda: events_or_error(ctx))
    vacuous = raised_before_output("stream", events, error)
    if vacuous:
        raise vacuous
    if error is not None or not events or kind(events[-1]) != "finish":
        return  # ended in an error, an error event, or raised: the caller knows
    streamed = "".join(e.content for e in events if kind(e) == "text_delta")
    if streamed.endswith(text):  # a retry produced the whole answer (S6 judges repeats)
        return
    how = ctx.case.params["ending"]
    raise fail(
        f"The stream broke after {ctx.case.params['after_chunk']} chunk(s) ({how}), and "
        f"stream() ended with a normal FinishEvent after yielding only {short(streamed)} of "
        f"{short(text)}: silent truncation. End the stream with a StreamErrorEvent (or raise) "
        f"when the connection drops or the API sends an error event.\n{show_events(events)}",
        key=how,
        cause="stream() ends a broken stream with a normal FinishEvent (silent truncation)",
    )


def _reply_of(ctx: Context) -> Reply:
    first = ctx.case.script[0]
    assert isinstance(first, Fail) and first.reply is not None
    return first.reply


# --------------------------------------------------------------------------- S9


def cases_s9(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    inner = factory.inner_retries
    default = factory.default_max_retries
    transient_n = STREAM_FAILURES if default is None else (default + 1) * (inner + 1)
    if not factory.supports("retries"):
        transient_n = max(transient_n, 1)

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        permanent = draw(st.booleans())
        if permanent:
            script: tuple[Fail | Reply, ...] = (draw(gen.permanent_failures()), Reply(text="ok"))
        else:
            f = draw(gen.transient_failures(kinds=_S9_TRANSIENT))
            script = (*(f,) * transient_n, Reply(text="Recovered."))
        return Case(
            script=script,
            request=draw(gen.call_requests(tool_calls=False, rich=False)),
            params={"failure": "permanent" if permanent else "transient"},
            summary=f"script: {script[0]!r} x {len(script) - 1}, then a reply",
        )

    return build()


def check_s9(ctx: Context) -> None:
    f = ctx.case.script[0]
    assert isinstance(f, Fail)
    permanent = ctx.case.params["failure"] == "permanent"
    events, error = run(lambda: events_or_error(ctx))
    vacuous = raised_before_output("stream", events, error)
    if vacuous:
        raise vacuous
    errors = [e for e in events if kind(e) == "error"]
    if error is not None or not errors:
        return  # raised typed (S3 and R4 judge it), or recovered (the script ran out of failures)
    recoverable = getattr(errors[-1], "recoverable", None)
    if recoverable is (not permanent):
        return
    what = "permanent" if permanent else "transient"
    why = (
        "a caller that retries recoverable errors would retry it forever"
        if permanent
        else "a caller would give up on an error that a retry can fix"
    )
    raise fail(
        f"Every attempt failed with {f!r} ({what}), and the stream's StreamErrorEvent says "
        f"recoverable={recoverable!r}: {why}. Set recoverable from the error's kind "
        f"(False for 400/401/403/404/422, True for 429/5xx/529, timeouts and dropped "
        f"connections).\n{show_events(events)}",
        key=what,
        cause=f"stream() marks {what} errors recoverable={recoverable!r}",
    )
