"""Checks J1–J3: JSON mode (docs/contract.md, "JSON mode")."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

from llm_fakes.contract import strategies as gen
from llm_fakes.contract._support import AskedInPrompt, Context, call_method, fail, outcome, short
from llm_fakes.contract.cases import Case
from llm_fakes.contract.factory import ProviderFactory
from llm_fakes.scripted.turns import Reply

#: The cause J1 and J3 (and J2) share when the JSON-mode request never says so on the wire.
NOT_SENT = "JSON mode does not reach the backend"

_ASK: dict[str, dict[str, Any]] = {
    "json_mode": {"json_mode": True},
    "response_format": {"response_format": {"type": "json_object"}},
}


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return str(content or "")


def _prompt_sentence(ctx: Context, seen: Any) -> str | None:
    """The sentence asking for JSON that the provider added to the prompt (system or messages)
    of a request that does not ask the API itself, or None."""
    sent = " ".join(
        [ctx.case.request.system, *(_text_of(m.get("content")) for m in ctx.request["messages"])]
    )
    texts = [seen.system or "", *(_text_of(m.get("content")) for m in seen.messages)]
    for text in texts:
        if "json" not in text.lower():
            continue
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
            if "json" in sentence.lower() and sentence not in sent:
                return sentence.strip()
    return None


def _prompt_only(ctx: Context, seen: Any, call: str) -> None:
    """Raise :class:`AskedInPrompt` when the provider asked for JSON in the prompt only."""
    sentence = _prompt_sentence(ctx, seen)
    if sentence is not None:
        raise AskedInPrompt(
            f"{call} asks for JSON only in the prompt ({sentence!r}), never in the API's own "
            f"field ({seen.door} door): the API does not know JSON was asked, so neither a "
            "JSON-mode request nor the API's check of the answer can happen. Ask the API too "
            "(response_format, output_format, a forced tool carrying the schema) for J1 and J3 "
            "to judge it."
        )


def same_json(got: Any, want: str) -> bool:
    """``got`` is ``want``, or the same JSON value written differently (a provider may read a
    forced tool's input back as JSON text with other spacing or escapes).

    Example:
        >>> same_json('{"a":"\\u00e9"}', '{"a": "é"}'), same_json("1", "true")
        (True, False)
    """
    if got == want:
        return True
    try:
        a, b = json.loads(got), json.loads(want)
    except (TypeError, ValueError):
        return False
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def schema_as_sent(seen: Any, sent: Any) -> Any:
    """``seen`` without the ``"additionalProperties": false`` an API requires and a client adds
    where the sent schema had none (litellm does for Anthropic's output format, OpenAI's strict
    mode needs it): the schema is still the caller's."""
    if isinstance(seen, dict) and isinstance(sent, dict):
        return {
            k: schema_as_sent(v, sent.get(k))
            for k, v in seen.items()
            if not (k == "additionalProperties" and v is False and k not in sent)
        }
    if isinstance(seen, list) and isinstance(sent, list) and len(seen) == len(sent):
        return [schema_as_sent(a, b) for a, b in zip(seen, sent, strict=True)]
    return seen


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
        _prompt_only(ctx, seen, call)
        raise fail(
            f"{call} reached the backend ({seen.door} door) as a plain request, not a JSON-mode "
            f"one; it received {short(seen.raw)}",
            key=ask,
            cause=NOT_SENT,
        )
    want = ctx.reply(0).content
    if not same_json(r.content, want):
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
    if not seen.json_mode:
        _prompt_only(ctx, seen, "complete(response_format=<json_schema>)")
    if seen.json_format != "json_schema" or schema_as_sent(seen.json_schema, schema) != schema:
        raise fail(
            f"complete(response_format=<json_schema>) reached the backend ({seen.door} door) "
            f"with schema {short(seen.json_schema)} (JSON mode {seen.json_format!r}); it sent "
            f"{short(schema)}. It received {short(seen.raw)}",
            cause=NOT_SENT if not seen.json_mode else "",
        )
    want = ctx.reply(0).content
    if not same_json(r.content, want):
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
        if seen and not seen[-1].json_mode:
            _prompt_only(ctx, seen[-1], call)
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
