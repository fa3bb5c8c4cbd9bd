"""The one scrubber (llm_fakes._scrub): what it replaces, what it leaves alone, and that
scrubbing twice changes nothing."""

from __future__ import annotations

import pytest

from llm_fakes._scrub import (
    Scrubber,
    is_secret_env_name,
    is_secret_header,
    is_secret_query,
    scrub_obj,
    scrubbed_output,
)

SHAPES = {
    "sk-proj-AbCdEf0123456789_xyz": "<redacted:openai-key>",
    "sk-ant-api03-QWERTY-uiop": "<redacted:anthropic-key>",
    "AIzaSyD-abcdefghijklmnopqrstuvwxyz01234": "<redacted:google-key>",
    "ghp_" + "a1" * 18: "<redacted:github-token>",
    "ghs_" + "a1" * 18: "<redacted:github-token>",
    "github_pat_11" + "a" * 30: "<redacted:github-token>",
    "AKIAIOSFODNN7EXAMPLE": "<redacted:aws-key-id>",
    "ASIAIOSFODNN7EXAMPLE": "<redacted:aws-key-id>",
    "xoxb-123-456-abcdefghij": "<redacted:slack-token>",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl": "<redacted:jwt>",
    "bearer abc.def-123": "Bearer <redacted>",
    "BEARER abc.def-123": "Bearer <redacted>",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": (
        "aws_secret_access_key = <redacted:aws-secret>"
    ),
    "https://bob:hunter22@db.test/x": "https://bob:<redacted>@db.test/x",
    "https://x.test/v1?alt=sse&key=abc123": "https://x.test/v1?alt=sse&key=<redacted>",
    "https://s3.test/o?X-Amz-Signature=ab12&X-Amz-Credential=AK%2F1": (
        "https://s3.test/o?X-Amz-Signature=<redacted>&X-Amz-Credential=<redacted>"
    ),
}


@pytest.mark.parametrize("secret", list(SHAPES))
def test_each_token_shape_is_replaced_and_twice_changes_nothing(secret: str) -> None:
    s = Scrubber(environ={})
    once = s.text(f"before {secret} after")
    assert once == f"before {SHAPES[secret]} after"
    assert s.text(once) == once


@pytest.mark.parametrize(
    "text",
    [
        "the bearer of bad news",
        "sk-learn is a library",
        "task-123",
        "Asia and the Pacific",
        "token=",
        "a @ sign and https://example.com/a:b",
        "eyJ alone",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Scrubber(environ={}).text(text) == text


def test_secret_environment_values_by_name_and_length() -> None:
    env = {
        "OPENAI_API_KEY": "value-aaaa-1",
        "GH_TOKEN": "value-bbbb-2",
        "APP_SECRET": "value-cccc-3",
        "PGPASSWORD": "value-dddd-4",
        "AWS_SECRET_ACCESS_KEY": "value-eeee-5",
        "AWS_SESSION_TOKEN": "value-ffff-6",
        "AWS_REGION": "us-east-1x",  # not a secret
        "SHORT_TOKEN": "1234567",  # too short to be one: it would wreck every number
        "HOME": "/home/someone",
    }
    s = Scrubber(environ=env)
    assert sorted(s.env) == [
        "APP_SECRET",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "GH_TOKEN",
        "OPENAI_API_KEY",
        "PGPASSWORD",
    ]
    assert s.text("value-dddd-4 in us-east-1x at 1234567") == (
        "<redacted:PGPASSWORD> in us-east-1x at 1234567"
    )
    names = ("STRIPE_KEY", "DB_PASSWORD_FILE", "KEYRING", "AWS_SECRET_ACCESS_KEY_OUTPUT")
    assert [is_secret_env_name(n) for n in names] == [True, True, False, True]
    not_secret = ("AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL")
    assert not any(is_secret_env_name(n) for n in not_secret)
    assert is_secret_env_name("AWS_SOMETHING_NEW")  # AWS_* is secret unless known not to be


def test_secret_names_any_case() -> None:
    assert all(
        is_secret_header(h)
        for h in (
            "X-Goog-Api-Key",
            "api-key",
            "X-Amz-Security-Token",
            "OpenAI-Organization",
            "openai-project",
            "anthropic-api-key",
            "Proxy-Authorization",
            "Cookie",
        )
    )
    assert all(
        is_secret_query(q)
        for q in ("key", "token", "access_token", "X-Amz-Credential", "subscription-key")
    )
    assert not is_secret_header("content-type") and not is_secret_query("alt")


def test_objects_keys_and_dataclasses() -> None:
    from llm_fakes.contract.verdicts import Failure

    assert scrub_obj({"password": "x", "token": "Hello", "n": ["sk-ant-api03-abcdef"]}) == {
        "password": "<redacted>",
        "token": "Hello",  # log-probabilities carry a "token": model output, not a credential
        "n": ["<redacted:anthropic-key>"],
    }
    assert scrub_obj(Failure("got bearer abc.123")).message == "got Bearer <redacted>"


def test_printed_lines_are_scrubbed_whole_even_when_written_in_parts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sys

    with scrubbed_output():
        sys.stdout.write("key: sk-ant-")
        sys.stdout.write("api03-abcdef\n")
        print("progress", end="", flush=True)
        sys.stderr.write("?key=AIzaSyXYZ\n")
    out, err = capsys.readouterr()
    assert out == "key: <redacted:anthropic-key>\nprogress"
    assert err == "?key=<redacted>\n"


def test_every_name_of_the_one_list_is_scrubbed_from_urls_and_vcrpy_headers() -> None:
    from vcr.request import Request

    from llm_fakes.http.vcr import scrub_request
    from llm_fakes.secrets import secret_headers, secret_query_params

    s = Scrubber(environ={})
    for name in sorted(secret_query_params()):
        for spelled in (name, name.upper()):
            url = f"https://x.test/v1?alt=sse&{spelled}=v4lue9"
            assert s.text(url) == f"https://x.test/v1?alt=sse&{spelled}=<redacted>"
    headers = {name.title(): "v4lue9" for name in secret_headers()}
    request = scrub_request(Request("POST", "https://x.test/v1", b"{}", headers))
    assert dict(request.headers) == {}
    # The cloud credentials are on the one list, beside each API's own names.
    assert {"x-amz-security-token", "ocp-apim-subscription-key", "openai-organization"} <= (
        secret_headers()
    )
    assert {"x-amz-signature", "x-amz-credential", "subscription-key", "token"} <= (
        secret_query_params()
    )
