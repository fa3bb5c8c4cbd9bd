"""Checks R1–R6: retries (docs/contract.md, "Retries").

Attempts are counted where they land: each attempt consumes one scripted turn at the backend,
whichever door the provider uses. Waits are read from the backend's virtual clock: the provider
waits on it when the factory hands it over (``clock=backend.clock``), and under virtual time its
own ``time.sleep`` / ``asyncio.sleep`` and its SDK's backoff land there too.

A provider over an SDK that retries on its own makes ``(m + 1) * (i + 1)`` attempts for
``max_retries=m`` when the SDK retries ``i`` times per call. R1, R2, R4 and R6 recognise that
count and say so; ``ProviderFactory(..., inner_retries=i)`` declares it (R1, R2's default
budget, R4 and R6 then expect it, while ``max_retries=0`` must still be one attempt).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from hypothesis import strategies as st

from llm_fakes.contract import strategies as gen
from llm_fakes.contract._support import (
    TERMINAL,
    Context,
    call_method,
    events_or_error,
    fail,
    is_typed,
    kind,
    outcome,
    raised_cause,
    run,
    short,
    show_events,
    tool_uses,
    typed_problem,
)
from llm_fakes.contract.cases import Case
from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.contract.virtual_time import active
from llm_fakes.scripted.turns import Fail, Reply

#: Failures scripted for R4's stream part when the factory declares no default budget: more than
#: any sane one (the check still holds the provider to its own ``default_max_retries``).
STREAM_FAILURES = 16
_REPLY = Reply(text="Recovered.")
_METHODS = st.sampled_from(["complete", "acomplete"])
_REQUEST = gen.call_requests(tool_calls=False, rich=False)
_UP_TO_2_FAILS = st.lists(gen.transient_failures(), max_size=2)
_0_2 = st.integers(0, 2)
_0_5 = st.integers(0, 5)
_KINDS = ["rate_limit", "overloaded", "server_error", "timeout", "connection", "empty"]
_PAIRS = st.lists(st.sampled_from(_KINDS), min_size=2, max_size=2, unique=True)
_SEQ = st.lists(st.booleans(), min_size=2, max_size=6)


def default_retries(ctx: Context) -> int:
    """The provider's documented ``max_retries=None`` budget (R2), or a clear failure."""
    value = ctx.factory.default_max_retries
    if value is None:
        value = getattr(ctx.provider, "default_max_retries", None)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise fail(
            f"{type(ctx.provider).__name__} documents no default retry budget: its "
            f"default_max_retries is {value!r}. Give the provider a default_max_retries int "
            "attribute, or pass ProviderFactory(..., default_max_retries=N)."
        )
    return value


def retry_cap(ctx: Context) -> float:
    """The documented cap on one retry wait (R5), or a clear failure."""
    cap: Any = ctx.factory.max_retry_wait
    if cap is None:
        policy = getattr(ctx.provider, "retry_policy", None)
        cap = getattr(policy, "max_delay", None) or getattr(ctx.provider, "max_retry_wait", None)
    if isinstance(cap, bool) or not isinstance(cap, int | float) or cap < 0:
        raise fail(
            f"{type(ctx.provider).__name__} documents no cap on a retry wait (found {cap!r}). "
            "Give it retry_policy.max_delay or max_retry_wait, or pass "
            "ProviderFactory(..., max_retry_wait=SECONDS)."
        )
    return float(cap)


#: The cause R1, R2, R4 and R6 share when the attempt count is a multiple of the budget.
NESTED = "an undeclared retry loop inside the provider's (e.g. its SDK's own max_retries)"


#: The cause R3–R6 share when an empty answer comes back as a reply instead of an error.
EMPTY = "an empty response is returned as a reply (no text, no tool calls), not raised and retried"


def _cause(result: Any, error: BaseException | None, fails: list[Fail]) -> str:
    """The cause of an attempt-count or outcome problem, when it is one the report links."""
    empty = getattr(result, "content", None) == "" and not tool_uses(result)
    if error is None and empty and any(f.kind == "empty" for f in fails):
        return EMPTY
    return ""


def nested_attempts(k: int, m: int, inner: int = 0) -> tuple[int, bool]:
    """(attempts, succeeds) for ``k`` transient failures then a reply, ``max_retries=m``, and
    an inner layer retrying ``inner`` times per attempt.

    Example:
        >>> nested_attempts(1, 0), nested_attempts(5, 0, inner=2), nested_attempts(1, 2)
        ((1, False), (3, False), (2, True))
    """
    cap = (m + 1) * (inner + 1)
    return min(k + 1, cap), k + 1 <= cap


def inner_loop(got: int, k: int, m: int, declared: int) -> str:
    """Why ``got`` attempts, when an inner retry loop explains it: ``""`` otherwise."""
    for inner in range(declared + 1, 11):
        attempts, ok = nested_attempts(k, m, inner)
        if attempts == got:
            size = f"{inner}" if not ok else f"at least {inner}"
            outer = f"{m + 1} provider attempt{'s' if m else ''}"
            return (
                f"{got} attempts for max_retries={m}: an inner retry loop of {size} inside the "
                f"provider's ({outer} x {inner + 1} attempts of an inner layer, such as its "
                "SDK's own max_retries). Pass max_retries down to that layer (or turn its "
                f"retries off), or declare it with ProviderFactory(..., inner_retries={inner})"
            )
    return ""


def _attempts_problem(ctx: Context, call: str, script: str, want: int) -> str | None:
    got = ctx.backend.attempts
    if got == want:
        return None
    return f"{call} against a backend that {script} made {got} attempt(s); expected {want}"


def _describe(fails: list[Fail]) -> str:
    if not fails:
        return "does not fail"
    return f"fails {len(fails)} time(s) ({', '.join(repr(f) for f in fails)})"


# --------------------------------------------------------------------------- R1


def cases_r1(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return st.builds(
        lambda f, k, m, method, request: Case(
            script=(*(f,) * k, _REPLY),
            request=request,
            params={"k": k, "max_retries": m, "method": method},
        ),
        gen.transient_failures(),
        st.integers(0, 4),
        st.integers(0, 3),
        _METHODS,
        _REQUEST,
    )


def _check_budget(
    ctx: Context,
    fails: list[Fail],
    m: int | None,
    want_attempts: int,
    succeeds: bool,
    budget: int | None = None,
) -> None:
    """Call with ``max_retries=m`` (whose budget is ``budget``, ``m`` when omitted)."""
    method = ctx.case.params.get("method", "complete")
    call = f"{method}(max_retries={m!r})"
    script = f"{_describe(fails)}, then succeeds,"
    result, error = outcome(lambda: call_method(ctx, method, max_retries=m))
    problem = _attempts_problem(ctx, call, script, want_attempts)
    got = ctx.backend.attempts
    cause = _cause(result, error, fails)
    if error is not None and not is_typed(error):
        cause = raised_cause(error)  # the provider's own bug, whatever the attempt count
    if problem:
        m_ = m if budget is None else budget
        why = inner_loop(got, len(fails), m_ or 0, ctx.factory.inner_retries)
        if not cause and error is not None and got < want_attempts:
            cause = f"{method}() gives up before max_retries is spent"
        raise fail(
            problem
            + (f"; it raised {short(error)}" if error else "")
            + (f". {why}" if why else ""),
            key="nested" if why else "count",
            cause=NESTED if why else cause,
        )
    if succeeds and error is not None:
        raise fail(
            f"{call} against a backend that {script} raised {short(error)}; with "
            f"{len(fails)} failure(s) within the budget it should have succeeded",
            cause=cause,
        )
    if not succeeds and error is None:
        raise fail(
            f"{call} against a backend that {script} returned {short(result)}; the budget "
            "was spent, so it should have raised the last error",
            cause=cause,
        )
    if succeeds and getattr(result, "content", None) != _REPLY.content:
        raise fail(f"{call} returned {short(result)}; the backend's reply was {_REPLY.content!r}")


def check_r1(ctx: Context) -> None:
    p = ctx.case.params
    fails = [t for t in ctx.case.script if isinstance(t, Fail)]
    k, m = p["k"], p["max_retries"]
    _check_budget(ctx, fails, m, *nested_attempts(k, m, ctx.factory.inner_retries))


# --------------------------------------------------------------------------- R2


def cases_r2(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    zero = st.builds(
        lambda f, method, request: Case(
            script=(f, _REPLY),
            request=request,
            params={"max_retries": 0, "method": method},
        ),
        gen.transient_failures(),
        _METHODS,
        _REQUEST,
    )
    default = st.builds(
        lambda f, k, method, request: Case(
            script=(*(f,) * k, _REPLY),
            request=request,
            params={"max_retries": None, "k": k, "method": method},
        ),
        gen.transient_failures(),
        st.integers(0, 4) | st.integers(5, 12),
        _METHODS,
        _REQUEST,
    )
    return zero | default


def check_r2(ctx: Context) -> None:
    p = ctx.case.params
    fails = [t for t in ctx.case.script if isinstance(t, Fail)]
    if p["max_retries"] == 0:  # no retry at any layer, declared inner retries or not
        _check_budget(ctx, fails, 0, 1, False)
        return
    d = default_retries(ctx)
    k = p["k"]
    _check_budget(ctx, fails, None, *nested_attempts(k, d, ctx.factory.inner_retries), budget=d)


# --------------------------------------------------------------------------- R3


def cases_r3(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    @st.composite
    def build(draw: st.DrawFn) -> Case:
        before = draw(_UP_TO_2_FAILS)
        m = len(before) + draw(_0_2)
        permanent = draw(gen.permanent_failures())
        return Case(
            script=(*before, permanent, _REPLY),
            request=draw(_REQUEST),
            params={"max_retries": m, "method": draw(_METHODS)},
        )

    return build()


def check_r3(ctx: Context) -> None:
    p = ctx.case.params
    script = list(ctx.case.script)
    permanent = script[-2]
    assert isinstance(permanent, Fail)
    call = f"{p['method']}(max_retries={p['max_retries']})"
    result, error = outcome(lambda: call_method(ctx, p["method"], max_retries=p["max_retries"]))
    before = [t for t in script[:-2] if isinstance(t, Fail)]
    problem = _attempts_problem(
        ctx,
        call,
        f"{_describe(before) + ', then ' if before else ''}answers {permanent!r},",
        len(script) - 1,
    )
    if problem:
        got, want = ctx.backend.attempts, len(script) - 1
        if got > want:
            why = f": {permanent!r} is permanent and must not be retried"
        else:  # it gave up early: a transient failure before the permanent one was not retried
            why = (
                f": the transient failure(s) before {permanent!r} must be retried within "
                f"max_retries={p['max_retries']}, so the permanent error is reached"
            )
        cause = _cause(result, error, before)
        if not cause and error is not None and not is_typed(error):
            cause = raised_cause(error)
        raised = f"; it raised {short(error)}" if error is not None else ""
        raise fail(problem + why + raised, key="retried" if got > want else "gave-up", cause=cause)
    if error is None:
        raise fail(f"{call} returned although the backend answered {permanent!r}")
    typed = typed_problem(error, permanent.kind)
    if typed:
        raise fail(f"{call}: the backend answered {permanent!r} and the provider {typed}")


# --------------------------------------------------------------------------- R4


def cases_r4(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    methods = ["complete", "acomplete"] + (["stream"] if factory.supports("streaming") else [])

    which = st.sampled_from(methods)

    inner = factory.inner_retries
    default = factory.default_max_retries

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        f = draw(gen.transient_failures())
        method = draw(which)
        m = draw(_0_2)
        if method == "stream":
            # Every attempt the declared budget allows fails (and no more are scripted).
            n = STREAM_FAILURES if default is None else (default + 1) * (inner + 1)
            params: dict[str, Any] = {"method": method}
        else:
            n = (m + 1) * (inner + 1)
            params = {"method": method, "max_retries": m}
        return Case(script=(*(f,) * n, _REPLY), request=draw(_REQUEST), params=params)

    return build()


def check_r4(ctx: Context) -> None:
    f = ctx.case.script[0]
    assert isinstance(f, Fail)
    method = ctx.case.params["method"]
    if method != "stream":
        m = ctx.case.params["max_retries"]
        call = f"{method}(max_retries={m})"
        result, error = outcome(lambda: call_method(ctx, method, max_retries=m))
        if error is None:
            n = len(ctx.case.script) - 1
            why = inner_loop(ctx.backend.attempts, n, m, ctx.factory.inner_retries)
            raise fail(
                f"{call} returned {short(result)} although the backend failed the first {n} "
                f"attempt(s) with {f!r}: it made {ctx.backend.attempts}"
                + (f". {why}" if why else ""),
                key="nested" if why else "returned",
                cause=NESTED if why else _cause(result, None, [f]),
            )
        typed = typed_problem(error, f.kind)
        if typed:
            raise fail(
                f"{call}: every attempt failed with {f!r} and the provider {typed}",
                cause="" if is_typed(error) else raised_cause(error),
            )
        return
    d = default_retries(ctx)
    events, error = run(lambda: events_or_error(ctx))
    terminal = [e for e in events if kind(e) in TERMINAL]
    allowed = (d + 1) * (ctx.factory.inner_retries + 1)
    if ctx.backend.attempts > allowed:
        why = inner_loop(ctx.backend.attempts, len(ctx.case.script) - 1, d, 0)
        raise fail(
            f"stream() against a backend failing every attempt with {f!r} made "
            f"{ctx.backend.attempts} attempts; its default budget (default_max_retries={d}"
            + (f", inner_retries={ctx.factory.inner_retries}" if ctx.factory.inner_retries else "")
            + f") allows {allowed}"
            + (f". {why}" if why else ""),
            key="stream-count",
            cause=NESTED if why else "",
        )
    if error is not None:
        typed = typed_problem(error, f.kind)
        if typed or terminal:
            raise fail(
                f"stream() against a backend failing every attempt with {f!r} "
                f"{typed or 'raised after a terminal event'}:\n{show_events(events)}",
                cause="" if is_typed(error) else raised_cause(error),
            )
        return
    if len(terminal) != 1 or kind(events[-1]) != "error":
        finished = bool(events) and kind(events[-1]) == "finish"
        raise fail(
            f"stream() against a backend failing every attempt with {f!r} should end with one "
            f"StreamErrorEvent (or raise a typed error); it yielded:\n{show_events(events)}",
            cause=EMPTY if f.kind == "empty" and finished else "",
        )


# --------------------------------------------------------------------------- R5


def cases_r5(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return st.builds(
        lambda fails, method, request: Case(
            script=(*fails, _REPLY),
            request=request,
            params={"max_retries": len(fails), "method": method},
        ),
        st.lists(
            gen.transient_failures(kinds=["rate_limit"]) | gen.transient_failures(),
            min_size=1,
            max_size=8,
        ),
        _METHODS,
        _REQUEST,
    )


def check_r5(ctx: Context) -> None:
    cap = retry_cap(ctx)
    fails = [t for t in ctx.case.script if isinstance(t, Fail)]
    m, method = ctx.case.params["max_retries"], ctx.case.params["method"]
    call = f"{method}(max_retries={m})"
    start = time.perf_counter()
    result, error = outcome(lambda: call_method(ctx, method, max_retries=m))
    spent = time.perf_counter() - start
    if error is not None:
        raise fail(
            f"{call} against a backend that {_describe(fails)}, then succeeds, raised {error!r}",
            cause="" if is_typed(error) else raised_cause(error),
        )
    sleeps = list(getattr(ctx.backend.clock, "sleeps", []))
    if len(sleeps) != len(fails):
        if active(ctx.backend.clock):
            where = (
                "(on backend.clock, or with time.sleep / asyncio.sleep / anyio.sleep, all "
                "recorded under virtual time)"
            )
            fix = "Wait once before each retry, as long as Retry-After asks."
        else:
            where = "on the injected clock"
            fix = (
                "Under --real-time only the clock the factory passes (clock=backend.clock) is "
                "seen: wait on it, never with time.sleep/asyncio.sleep."
            )
        raise fail(
            f"{call} against a backend that {_describe(fails)}, then succeeds, waited "
            f"{len(sleeps)} time(s) {where}; {len(fails)} retries need {len(fails)} wait(s) "
            f"(waits {short(sleeps)}, {spent:.2f} s of real time). {fix}",
            key="count",
            cause=_cause(result, error, fails),
        )
    for i, (f, wait) in enumerate(zip(fails, sleeps, strict=True)):
        low = min(f.retry_after, cap) if f.retry_after is not None else 0.0
        if not low - 1e-6 <= wait <= cap + 1e-6:
            given = f"Retry-After {f.retry_after:g} s" if f.retry_after is not None else "none"
            raise fail(
                f"{call}: before retry {i + 1}, after {f!r}, the provider waited {wait!r} s; "
                f"the server asked for {given} and the documented cap is {cap:g} s, so the "
                f"wait must be between {low:g} and {cap:g} s. All waits: {sleeps!r}"
            )


# --------------------------------------------------------------------------- R6


def cases_r6(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    @st.composite
    def build(draw: st.DrawFn) -> Case:
        pair = draw(_PAIRS)
        seq = [pair[int(second)] for second in draw(_SEQ)]
        if len(set(seq)) < 2:
            seq.append(pair[1] if seq[0] == pair[0] else pair[0])
        fails = [draw(gen.transient_failures(kinds=[k])) for k in seq]
        return Case(
            script=(*fails, _REPLY),
            request=draw(_REQUEST),
            params={"max_retries": draw(_0_5), "method": draw(_METHODS)},
        )

    return build()


def per_kind_attempts(fails: list[Fail], m: int) -> tuple[int, bool]:
    """(attempts, succeeds) when each failure kind has its own budget of ``m`` retries."""
    used: Counter[str] = Counter()
    for n, f in enumerate(fails, start=1):
        if used[f.kind] >= m:
            return n, False
        used[f.kind] += 1
    return len(fails) + 1, True


def check_r6(ctx: Context) -> None:
    fails = [t for t in ctx.case.script if isinstance(t, Fail)]
    m = ctx.case.params["max_retries"]
    if ctx.factory.retry_budget == "per_kind":
        attempts, ok = per_kind_attempts(fails, m)
    else:
        attempts, ok = nested_attempts(len(fails), m, ctx.factory.inner_retries)
    try:
        _check_budget(ctx, fails, m, attempts, ok)
    except AssertionError as exc:
        raise fail(
            f"{exc}. The provider declares retry_budget={ctx.factory.retry_budget!r} (one "
            "budget for every transient kind when 'shared'); declare what it does with "
            "ProviderFactory(..., retry_budget='shared' | 'per_kind').",
            key=getattr(exc, "key", ""),
            cause=getattr(exc, "cause", ""),
        ) from None
