"""Checks J1–J3: JSON mode (docs/contract.md, "JSON mode")."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from llm_fakes.contract import strategies as gen
from llm_fakes.contract._support import Context, call_method, fail, outcome, short
from llm_fakes.contract.cases import Case
from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.scripted.turns import Reply

#: The cause J1 and J3 (and J2) share when the JSON-mode request never says so on the wire.
NOT_SENT = "JSON mode does not reach the backend"

_ASK: dict[str, dict[str, Any]] = {
    "json_mode": {"json_mode": True},
    "response_format": {"response_format": {"type": "json_object"}},
}


def _last_request(ctx: Context, call: str) -> Any:
    seen = ctx.backend.requests
    if not seen:
        raise fail(f"{call} returned, but no request reached the backend")
    return seen[-1]


# --------------------------------------------------------------------------- J1


def cases_j1(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return st.builds(
        lambda value, request, ask, method: Case(
            script=(Reply(json=value),), request=request, params={"ask": ask, "method": method}
        ),
        gen.json_objects(),
        gen.call_requests(tool_calls=False, rich=False),
        st.sampled_from(sorted(_ASK)),
        st.sampled_from(["complete", "acomplete"]),
    )


def check_j1(ctx: Context) -> None:
    ask, method = ctx.case.params["ask"], ctx.case.params["method"]
    extra = _ASK[ask]
    call = f"{method}({', '.join(f'{k}={v!r}' for k, v in extra.items())})"
    r = call_method(ctx, method, **extra)
    seen = _last_request(ctx, call)
    if not seen.json_mode:
        raise fail(
            f"{call} reached the backend ({seen.door} door) as a plain request, not a JSON-mode "
            f"one; it received {short(seen.raw)}",
            key=ask,
            cause=NOT_SENT,
        )
    want = ctx.reply(0).content
    if r.content != want:
        raise fail(f"{call} returned content {short(r.content)}; the backend sent {want!r}")


# --------------------------------------------------------------------------- J2


_BOOL = st.booleans()


@st.composite
def _schema_case(draw: st.DrawFn) -> Case:
    schema, instance = draw(gen.json_schemas_with_instance())
    props = sorted(schema["properties"])
    bad: Any = [instance]
    wrong_type = draw(_BOOL)
    if props and wrong_type:
        bad = {**instance, props[0]: [["not", "this", "type"]]}
    rf = {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    return Case(
        script=(Reply(json=instance), Reply(json=bad)),
        request=draw(gen.call_requests(tool_calls=False, rich=False)),
        params={"response_format": rf},
    )


def cases_j2(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    return _schema_case()


def check_j2(ctx: Context) -> None:
    rf = ctx.case.params["response_format"]
    schema = rf["json_schema"]["schema"]
    r = call_method(ctx, "complete", response_format=rf)
    seen = _last_request(ctx, "complete(response_format=...)")
    if seen.json_format != "json_schema" or seen.json_schema != schema:
        raise fail(
            f"complete(response_format=<json_schema>) reached the backend ({seen.door} door) "
            f"with schema {short(seen.json_schema)} (JSON mode {seen.json_format!r}); it sent "
            f"{short(schema)}. It received {short(seen.raw)}",
            cause=NOT_SENT if not seen.json_mode else "",
        )
    want = ctx.reply(0).content
    if r.content != want:
        raise fail(
            f"complete(response_format=...) returned {short(r.content)}; the backend sent "
            f"{short(want)}"
        )
    bad = ctx.reply(1).content
    got, error = outcome(lambda: call_method(ctx, "complete", response_format=rf, max_retries=0))
    if error is None:
        raise fail(
            f"The backend replied {short(bad)}, which does not validate against the schema, and "
            f"complete(response_format=...) returned {short(got)} instead of raising the "
            "backend's validation error."
        )
    if "schema" not in str(error).lower():
        raise fail(
            f"For a reply that does not validate against the schema, complete() raised "
            f"{type(error).__name__}: {error}; the error should say the content does not match "
            "the schema."
        )


# --------------------------------------------------------------------------- J3


def cases_j3(factory: ProviderFactory) -> st.SearchStrategy[Case]:
    not_json = gen.texts(max_size=20).map(lambda t: "Sure! " + t)
    return st.builds(
        lambda a, b, request, ask: Case(
            script=(Reply(text=a), Reply(text=b, invalid_json=True)),
            request=request,
            params={"ask": ask},
        ),
        not_json,
        not_json,
        gen.call_requests(tool_calls=False, rich=False),
        st.sampled_from(sorted(_ASK)),
    )


def check_j3(ctx: Context) -> None:
    extra = _ASK[ctx.case.params["ask"]]
    call = f"complete({', '.join(f'{k}={v!r}' for k, v in extra.items())}, max_retries=0)"
    first = ctx.reply(0).content
    got, error = outcome(lambda: call_method(ctx, "complete", max_retries=0, **extra))
    if error is None:
        seen = ctx.backend.requests
        raise fail(
            f"The script answers JSON mode with non-JSON {first!r} (not marked invalid_json), "
            f"and {call} returned {short(got)} instead of raising an error that says so.",
            cause=NOT_SENT if seen and not seen[-1].json_mode else "",
        )
    if "json" not in str(error).lower():
        raise fail(
            f"{call} raised {type(error).__name__}: {error}; the error should say the "
            "reply is not valid JSON."
        )
    second = ctx.reply(1).content
    r = call_method(ctx, "complete", max_retries=0, **extra)
    if r.content != second:
        raise fail(
            f"A reply marked Reply(invalid_json=True) should come back unchanged under JSON "
            f"mode: {call} returned {short(r.content)}, the backend sent {second!r}"
        )
