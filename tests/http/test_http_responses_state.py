"""FakeOpenAI keeps what the Responses API keeps, read through the openai SDK unchanged: stored
responses (retrieve, delete, input items), background responses polled until completed (and a
background stream resumed with ``starting_after``), the Conversations API with
``conversation=``, and the API's 404 for an id it does not know. Both doors answer alike."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from llm_fakes import FakeOpenAI, Reply, ToolCall


@contextlib.contextmanager
def client_on(fake: FakeOpenAI, form: str) -> Iterator[openai.OpenAI]:
    if form == "transport":
        http = openai.DefaultHttpxClient(transport=fake.transport())
        with openai.OpenAI(api_key="sk-test", http_client=http, max_retries=0) as client:
            yield client
        return
    with (
        fake.serve() as url,
        openai.OpenAI(api_key="sk-test", base_url=url, max_retries=0) as client,
    ):
        yield client


def test_a_stored_response_is_retrieved_listed_and_deleted(form: str) -> None:
    fake = FakeOpenAI(["Paris."])
    with client_on(fake, form) as client:
        made = client.responses.create(model="gpt-4o", input="Capital of France?")
        got = client.responses.retrieve(made.id)
        assert (got.id, got.status, got.output_text) == (made.id, "completed", "Paris.")
        items = client.responses.input_items.list(made.id)
        assert [i.type for i in items.data] == ["message"]
        client.responses.delete(made.id)
        assert made.id not in fake.state.responses
        with pytest.raises(openai.NotFoundError) as info:
            client.responses.retrieve(made.id)
    assert f"Response with id {made.id!r} not found" in str(info.value)


def test_store_false_keeps_nothing_and_cannot_be_continued(form: str) -> None:
    fake = FakeOpenAI(["One.", "never"])
    with client_on(fake, form) as client:
        made = client.responses.create(model="gpt-4o", input="Hi", store=False)
        assert fake.state.responses == {}
        with pytest.raises(openai.BadRequestError) as info:
            client.responses.create(model="gpt-4o", input="And?", previous_response_id=made.id)
    assert f"Previous response with id {made.id!r} not found" in str(info.value)


def test_background_goes_queued_in_progress_completed_while_polled(form: str) -> None:
    fake = FakeOpenAI(["Done at last."])
    with client_on(fake, form) as client:
        made = client.responses.create(model="gpt-4o", input="Work hard", background=True)
        seen = [made.status]
        while seen[-1] in ("queued", "in_progress"):
            seen.append(client.responses.retrieve(made.id).status)
        final = client.responses.retrieve(made.id)
    assert seen == ["queued", "in_progress", "completed"]
    assert (final.background, final.output_text) == (True, "Done at last.")


def test_a_queued_background_response_can_be_cancelled_a_plain_one_cannot(form: str) -> None:
    fake = FakeOpenAI(["slow", "quick"])
    with client_on(fake, form) as client:
        made = client.responses.create(model="gpt-4o", input="Work", background=True)
        assert client.responses.cancel(made.id).status == "cancelled"
        assert client.responses.retrieve(made.id).status == "cancelled"
        plain = client.responses.create(model="gpt-4o", input="Quick")
        with pytest.raises(openai.BadRequestError):
            client.responses.cancel(plain.id)


def test_a_background_stream_resumes_after_a_sequence_number(form: str) -> None:
    fake = FakeOpenAI(["Hello big world"])
    with client_on(fake, form) as client:
        events = list(
            client.responses.create(model="gpt-4o", input="Hi", background=True, stream=True)
        )
        rid = events[0].response.id
        resumed = list(client.responses.retrieve(rid, stream=True, starting_after=3))
    assert [e.sequence_number for e in resumed] == [e.sequence_number for e in events[4:]]
    assert resumed[-1].type == "response.completed"


def test_a_conversation_collects_the_turns_that_name_it(form: str) -> None:
    fake = FakeOpenAI(
        [Reply(tool_calls=[ToolCall("lookup", {"q": "Oslo"})]), "Rain in Oslo, take a coat."]
    )
    tools: Any = [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}]
    with client_on(fake, form) as client:
        conv = client.conversations.create(
            items=[{"type": "message", "role": "user", "content": "I live in Oslo."}]
        )
        first = client.responses.create(
            model="gpt-4o", input="Weather?", conversation=conv.id, tools=tools
        )
        call = first.output[0]
        assert call.type == "function_call"
        output: Any = {"type": "function_call_output", "call_id": call.call_id, "output": "rain"}
        second = client.responses.create(
            model="gpt-4o", input=[output], conversation=conv.id, tools=tools
        )
        items = client.conversations.items.list(conv.id, order="asc")
        client.conversations.delete(conv.id)
        with pytest.raises(openai.NotFoundError):
            client.conversations.retrieve(conv.id)
    assert second.output_text == "Rain in Oslo, take a coat."
    last = [r for r in fake.requests if r.path == "/v1/responses"][-1]
    assert [m["content"] for m in last.messages if m["role"] == "user"] == [
        "I live in Oslo.",
        "Weather?",
    ]
    kinds = [i.type for i in items.data]
    assert kinds == ["message", "message", "function_call", "function_call_output", "message"]


def test_unknown_ids_are_the_apis_404_on_every_route(form: str) -> None:
    fake = FakeOpenAI([])
    with client_on(fake, form) as client:
        for call in (
            lambda: client.responses.retrieve("resp_nope"),
            lambda: client.responses.delete("resp_nope"),
            lambda: client.responses.cancel("resp_nope"),
            lambda: client.responses.input_items.list("resp_nope"),
            lambda: client.conversations.retrieve("conv_nope"),
            lambda: client.conversations.items.list("conv_nope"),
            lambda: client.responses.create(model="m", input="x", conversation="conv_nope"),
        ):
            with pytest.raises(openai.NotFoundError):
                call()
    fake.assert_all_used()


def test_an_unknown_method_gets_the_same_404_through_both_doors(form: str) -> None:
    import httpx

    fake = FakeOpenAI([])
    if form == "transport":
        client = httpx.Client(transport=fake.transport(), base_url="https://api.openai.com")
    else:
        stack = contextlib.ExitStack()
        url = stack.enter_context(fake.serve())
        client = httpx.Client(base_url=url.removesuffix("/v1"))
    with client:
        response = client.request("PUT", "/v1/chat/completions", json={})
    if form != "transport":
        stack.close()
    assert response.status_code == 404
    assert "serves POST /v1/chat/completions" in response.json()["error"]["message"]


def test_a_fake_keeping_few_requests_keeps_as_few_responses(form: str) -> None:
    fake = FakeOpenAI(["one", "two", "three"], keep_requests=2)
    with client_on(fake, form) as client:
        ids = [client.responses.create(model="gpt-4o", input="Hi").id for _ in range(3)]
        with pytest.raises(openai.NotFoundError):
            client.responses.retrieve(ids[0])
    assert list(fake.state.responses) == ids[1:]
