"""The wire registry: one entry per API, every name resolves, and each entry's parts agree with
each other and with its fake (a request it builds reads back as sent; an error body it renders
reads back as the kit's typed error; the usage it names is the usage its parser reports). A new
API's entry is checked here with no edit."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llm_fakes import Reply, Tool
from llm_fakes.errors import (
    AuthenticationError,
    BadRequestError,
    RateLimitError,
    UsageError,
)
from llm_fakes.secrets import secret_body_fields, secret_headers, secret_query_params
from llm_fakes.typeset import TypeSet
from llm_fakes.wire.base import WireAPI
from llm_fakes.wire.registry import REGISTRY

APIS = list(REGISTRY)
IDS = [api.key for api in APIS]
SYSTEM = "Be brief."
MESSAGES = [
    {"role": "user", "content": "Weather in Oslo?"},
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city": "Oslo"}'},
            }
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "Rain."},
]
TOOLS = [Tool("weather", "Weather by city", {"type": "object", "properties": {}})]


def test_every_key_and_alias_names_one_api() -> None:
    assert len(set(REGISTRY.keys())) == len(APIS)
    for api in APIS:
        for name in api.names:
            assert REGISTRY.get(name) is api
            assert REGISTRY.get(name.upper()) is api


def test_an_unknown_name_is_an_error_listing_the_keys() -> None:
    with pytest.raises(UsageError) as err:
        REGISTRY.get("palm")
    assert str(err.value) == f"No API is named 'palm'. Use one of: {', '.join(REGISTRY.keys())}."


def test_a_name_cannot_be_registered_twice() -> None:
    class Twin(WireAPI):
        key = "twin"
        aliases = (APIS[0].key,)

    with pytest.raises(ValueError, match="already names"):
        REGISTRY.__class__([*APIS, Twin()])


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_an_entry_is_complete(api: WireAPI) -> None:
    assert api.key and api.title and api.door and api.hosts
    assert api.provider_class().__name__ == api.provider_name
    assert api.fake_class().base_path == api.base_path
    assert REGISTRY.for_path(api.request_path("m")) is api
    assert REGISTRY.for_path(api.request_path("m", stream=True)) is api
    assert all(REGISTRY.for_host(host)[0].door == api.door for host in api.hosts)


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_the_one_list_of_secrets_holds_every_apis_credentials(api: WireAPI) -> None:
    assert api.all_secret_headers() <= secret_headers()
    assert api.all_secret_headers() <= secret_body_fields()
    assert api.all_secret_query_params() <= secret_query_params()
    assert api.auth.header.lower() in secret_headers()


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_a_built_request_reads_back_as_sent(api: WireAPI) -> None:
    body = api.build_request(
        "m", MESSAGES, system=SYSTEM, tools=TOOLS, max_tokens=64, json_mode=True
    )
    seen = api.read_request(body, path=api.request_path("m"))
    assert seen["system"] == SYSTEM
    assert [t["name"] for t in seen["tools"]] == ["weather"]
    assert seen["max_tokens"] == 64
    assert seen["json_mode"] is True
    assert [m["role"] for m in seen["messages"]] == ["user", "assistant", "tool"]
    assert seen["messages"][1]["tool_calls"][0]["function"]["name"] == "weather"
    assert json.loads(seen["messages"][1]["tool_calls"][0]["function"]["arguments"]) == {
        "city": "Oslo"
    }
    assert seen["messages"][2]["content"] == "Rain."
    assert api.model_of(api.request_path("m"), body) == "m"
    assert api.is_stream(api.request_path("m"), body) is False


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [
        (429, "rate_limit", RateLimitError),
        (401, "auth", AuthenticationError),
        (400, "invalid_request", BadRequestError),
    ],
)
@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_a_rendered_error_reads_back_as_the_kits_typed_error(
    api: WireAPI, status: int, kind: str, error: type[Exception]
) -> None:
    body = json.dumps(api.error_body(status, "It went wrong.", kind)).encode()
    read = api.read_error(status, {"retry-after": "3"}, body)
    assert type(read) is error
    assert read.message == "It went wrong."
    if status == 429:
        assert read.retry_after == 3.0  # type: ignore[attr-defined]


def _fake_response(api: WireAPI, reply: Reply) -> dict[str, Any]:
    fake = api.fake_class()([reply])
    body = api.build_request("m", [{"role": "user", "content": "Hi"}], max_tokens=64)
    headers = {**api.auth.headers("sk-test"), **api.required_headers}
    wire = fake.handle("POST", api.request_path("m"), headers.items(), json.dumps(body).encode())
    assert wire.status == 200, b"".join(wire.parts)
    data: dict[str, Any] = json.loads(b"".join(wire.parts))
    return data


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_the_usage_fields_are_the_usage_the_parser_reports(api: WireAPI) -> None:
    data = _fake_response(api, Reply(text="Hello there, Oslo.", input_tokens=11, output_tokens=5))
    usage = api.usage(data)
    parsed = api.parse_response(data, TypeSet.default(), "m")
    assert (usage["input_tokens"], usage["output_tokens"]) == (11, 5)
    assert (parsed.input_tokens, parsed.output_tokens) == (11, 5)
    assert parsed.content == "Hello there, Oslo."


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_a_door_is_named_by_itself_or_by_any_of_its_apis(api: WireAPI) -> None:
    # `llm-fakes serve --api` and the conformance backend take any of these names.
    for name in (api.door, *api.names):
        assert api in REGISTRY.door(name)
        assert REGISTRY.door(name)[0].fake == api.fake


def test_a_fake_reads_the_query_in_both_forms_and_routes_without_it() -> None:
    # Gemini says "stream as SSE" (?alt=sse) and may send its key (?key=) in the query.
    import httpx

    from llm_fakes import FakeOpenAI

    seen: list[dict[str, str]] = []

    class Probe(FakeOpenAI):
        def validate(self, body: dict[str, Any], headers: dict[str, str]) -> str | None:
            seen.append(dict(self.query))
            return super().validate(body, headers)

    fake = Probe(["a", "b"])
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    with httpx.Client(transport=fake.transport()) as client:
        client.post("http://t/v1/chat/completions?alt=sse&x=1", json=body)
    with fake.serve() as url, httpx.Client() as client:
        client.post(f"{url}/chat/completions?alt=sse", json=body)
    assert seen == [{"alt": "sse", "x": "1"}, {"alt": "sse"}]
    assert [(r.path, r.status) for r in fake.requests] == [("/v1/chat/completions", 200)] * 2


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_the_http_package_exports_every_entrys_provider_and_fake(api: WireAPI) -> None:
    import llm_fakes.http

    names = (api.provider_name, api.fake.rpartition(".")[2])
    assert set(names) <= set(llm_fakes.http.__all__)
    assert getattr(llm_fakes.http, names[0]) is api.provider_class()
    assert getattr(llm_fakes.http, names[1]) is api.fake_class()
