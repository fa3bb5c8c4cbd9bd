"""A lookup serialises and scrubs the request once, whatever its size and however many variant
keys it tries; scrubbing the request's JSON as text gives what scrubbing the request gives."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llm_fakes.cassettes import matching
from llm_fakes.cassettes.matching import Matcher, canonical_json, make_request
from llm_fakes.cassettes.redaction import Redactor
from llm_fakes.cassettes.tape import Tape

SECRETISH = st.sampled_from(
    [
        "sk-proj-0123456789abcdefXYZ",
        "sk-ant-api03-QWERTY-uiop",
        "sk-short",
        "Bearer eyJhbGciOi.J9.sig==",
        "Bearer ",
        "sk-",
        "env-secret-1",
        'we"ird\\env\n2',
        "ACME Corp",
        # One of every other shape, so each start the scrubber searches for is exercised.
        "AIzaSyD-abcdefghijklmnopqrstuvwxyz01234",
        "ghp_" + "a1" * 18,
        "github_pat_11" + "a" * 30,
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAIOSFODNN7EXAMPLE",
        "xoxb-123-456-abcdefghij",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
        "bearer abc.def-123",
        "BEARER abc.def-123",
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "https://bob:hunter22@db.test/x",
        "https://x.test/v1?alt=sse&key=abc123",
        "?X-Amz-Signature=ab12;Key=x",
        "; key idea? yes & no",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=8), SECRETISH), max_size=5).map("".join)
KEYS = st.one_of(st.sampled_from(["role", "content", "api_key", "X-Api-Key", "monkey"]), TEXT)
JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)
REDACTORS = {
    "defaults": Redactor(environ={}),
    "env and literal filters": Redactor(
        filters=["ACME Corp", ("we", "<w>")],
        environ={"A_API_KEY": "env-secret-1", "B_TOKEN": 'we"ird\\env\n2'},
    ),
}


@pytest.mark.parametrize("name", list(REDACTORS))
@given(text=TEXT)
def test_scrubbing_a_string_tries_only_where_a_match_can_start(name: str, text: str) -> None:
    r = REDACTORS[name]
    assert r.text(text) == r._pattern.sub(r._sub, text)


@pytest.mark.parametrize("name", list(REDACTORS))
@given(value=JSONISH)
def test_scrubbing_the_json_as_text_equals_scrubbing_the_value(name: str, value: Any) -> None:
    r = REDACTORS[name]
    text = canonical_json(value)
    scrubbed = r.scrub_json(text)
    if scrubbed is not None:
        assert scrubbed == canonical_json(r.scrub(value))


@given(prompt=TEXT)
def test_a_secret_in_a_prompt_is_scrubbed_as_text(prompt: str) -> None:
    r = REDACTORS["defaults"]
    request = [[{"role": "user", "content": prompt}], "system", []]
    scrubbed = r.scrub_json(canonical_json(request))
    assert scrubbed == canonical_json(r.scrub(request))  # never None: no walk needed


def test_a_credential_key_or_a_secret_in_a_key_needs_the_value() -> None:
    r = Redactor(environ={})
    assert r.scrub_json(canonical_json([{"input": {"API_KEY": "x"}}])) is None
    assert r.scrub_json(canonical_json([{"sk-proj-0123456789abcdefXYZ": 1}])) is None
    plain = canonical_json([{"monkey": "a key, an author"}])
    assert r.scrub_json(plain) is plain
    assert Redactor(filters=[re.compile("x")], environ={}).scrub_json(plain) is None


class Counting(Redactor):
    walks = 0

    def scrub(self, value: Any) -> Any:
        if isinstance(value, dict):
            Counting.walks += 1
        return super().scrub(value)


@pytest.mark.parametrize("secret", ["", " my key is sk-proj-0123456789abcdefXYZ"])
def test_a_lookup_through_variants_serialises_the_request_once(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    big = "The key point, said the author: " * 2000 + secret
    redactor = Counting(environ={})
    stored = redactor.scrub(make_request([{"role": "user", "content": big}], system="s"))
    stored["max_tokens"] = None  # imported from a wire without max_tokens: the wildcard variant
    recording = {"call": "complete", "request": stored, "response": {"content": "ok", "model": "m"}}
    tape = Tape([recording], Matcher(redactor=redactor))
    Counting.walks = 0
    dumps: list[int] = []
    real = matching.canonical_json
    monkeypatch.setattr(
        matching, "canonical_json", lambda v: (dumps.append(len(real(v))), real(v))[1]
    )
    request = make_request([{"role": "user", "content": big}], system="s")
    hit = tape.next(request, call="complete")
    assert hit is not None and hit[2] == "ok"
    assert [n for n in dumps if n > 1000] == [
        len(real([request["messages"], "s", [], None, False]))
    ]
    assert Counting.walks == 0


class ScrubCounting(Redactor):
    texts = 0

    def scrub_json(self, json_text: str) -> str | None:
        ScrubCounting.texts += 1
        return super().scrub_json(json_text)


def recorded(redactor: Redactor, content: str) -> dict[str, Any]:
    stored = redactor.scrub(make_request([{"role": "user", "content": content}], system="s"))
    return {"call": "complete", "request": stored, "response": {"content": "ok", "model": "m"}}


def test_a_request_as_stored_is_keyed_without_scrubbing_and_one_with_a_secret_is_scrubbed() -> None:
    redactor = ScrubCounting(environ={})
    plain = "The key point, said the author; why? " * 200
    secret = plain + " my key is sk-proj-0123456789abcdefXYZ"
    tape = Tape([recorded(redactor, plain), recorded(redactor, secret)], Matcher(redactor=redactor))
    ScrubCounting.texts = 0
    hit = tape.next(make_request([{"role": "user", "content": plain}], system="s"))
    assert hit is not None and ScrubCounting.texts == 0  # its JSON is a stored, clean key
    hit = tape.next(make_request([{"role": "user", "content": secret}], system="s"))
    assert hit is not None and ScrubCounting.texts == 1  # the secret must be scrubbed to match


# A filter whose replacement holds what it replaces: scrubbing a scrubbed text changes it again.
SCRUBBERS = {**REDACTORS, "not idempotent": Redactor(filters=[("ab", "abab")], environ={})}


@pytest.mark.parametrize("name", list(SCRUBBERS))
@given(stored=st.lists(st.one_of(TEXT, st.just("ab")), max_size=3), incoming=TEXT)
def test_keys_are_those_scrubbing_gives_whatever_was_stored(
    name: str, stored: list[str], incoming: str
) -> None:
    # The shortcut skips scrubbing only for a text scrubbing left unchanged when it was stored:
    # every key is the one a matcher that never saw a stored request computes.
    r = SCRUBBERS[name]
    matcher = Matcher(redactor=r)
    for content in stored:
        matcher.key(recorded(r, content)["request"], stored=True)
    request = make_request([{"role": "user", "content": incoming}], system="s")
    assert matcher.key(request) == Matcher(redactor=r).key(request)
    # A request whose text is a stored request's (scrubbed) text, as a replay sends it again.
    as_stored = recorded(r, stored[0] if stored else "")["request"]["messages"]
    again = make_request(as_stored, system="s")
    assert matcher.key(again) == Matcher(redactor=r).key(again)
