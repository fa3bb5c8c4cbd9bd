"""A real library's re-ask path against ``FakeOpenAI``: instructor's ``response_model`` with
``max_retries`` gets a near-valid first reply, re-asks once with the validation error, and
parses the valid second one; the fake's request log shows the error in the second request.

instructor's JSON mode parses the content strictly (``model_validate_json``), so every flaw but
``truncated`` is re-asked; a ``truncated`` reply ends with ``finish_reason: "length"``, which
instructor turns into its own error without re-asking."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import openai
import pydantic
import pytest

# In an extra of its own (its jiter pin would hold openai back): see pyproject.toml.
instructor = pytest.importorskip(
    "instructor", reason="instructor is in its own extra: pip install -e '.[dev,instructor]'"
)

from instructor.core import IncompleteOutputException  # noqa: E402

from llm_fakes import JSON_FLAWS, FakeOpenAI, Reply  # noqa: E402


class Weather(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    city: str
    temp_c: float


VALID = {"city": "Oslo", "temp_c": 21}
ASK = [{"role": "user", "content": "Weather in Oslo?"}]


@contextlib.contextmanager
def instructor_client(fake: FakeOpenAI, form: str) -> Iterator[Any]:
    with contextlib.ExitStack() as stack:
        if form == "transport":
            http = openai.DefaultHttpxClient(transport=fake.transport())
            sdk = openai.OpenAI(api_key="sk-test", http_client=http)
        else:
            sdk = openai.OpenAI(api_key="sk-test", base_url=stack.enter_context(fake.serve()))
        stack.callback(sdk.close)
        yield instructor.from_openai(sdk, mode=instructor.Mode.JSON)


REASKED = [f for f in JSON_FLAWS if f != "truncated"]
CASES = [(f, "transport") for f in REASKED] + [("missing_field", "loopback")]


@pytest.mark.parametrize(("flaw", "form"), CASES)
def test_instructor_reasks_once_with_the_validation_error_then_parses(flaw: str, form: str) -> None:
    first = Reply.near_json(VALID, flaw, schema=Weather.model_json_schema())
    fake = FakeOpenAI([first, Reply(json=VALID)])
    with instructor_client(fake, form) as client:
        out = client.chat.completions.create(
            model="gpt-4o", response_model=Weather, max_retries=2, messages=ASK
        )
    assert isinstance(out, Weather) and out.model_dump() == {"city": "Oslo", "temp_c": 21.0}
    assert [r.status for r in fake.requests] == [200, 200]
    fake.assert_all_used()
    # The second request is the first plus the rejected reply and the error fed back.
    asked, reasked = fake.requests[0].body["messages"], fake.requests[1].body["messages"]
    assert reasked[: len(asked)] == asked
    added = reasked[len(asked) :]
    assert [m["role"] for m in added] == ["assistant", "user"]
    assert added[0]["content"] == first.text
    with pytest.raises(pydantic.ValidationError) as rejected:
        Weather.model_validate_json(first.text)
    for error in rejected.value.errors():
        assert error["msg"] in added[1]["content"]
        assert all(str(part) in added[1]["content"] for part in error["loc"])


def test_a_truncated_reply_reaches_instructor_as_a_length_stop() -> None:
    fake = FakeOpenAI([Reply.near_json(VALID, "truncated"), Reply(json=VALID)])
    with instructor_client(fake, "transport") as client, pytest.raises(IncompleteOutputException):
        client.chat.completions.create(
            model="gpt-4o", response_model=Weather, max_retries=2, messages=ASK
        )
    assert len(fake.requests) == 1  # a length stop is not re-asked
    assert [str(t) for t in fake.remaining] == [str(Reply(json=VALID))]
