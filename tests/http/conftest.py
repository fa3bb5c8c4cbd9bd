"""Fixtures for the HTTP provider and fake-server tests: each test runs against both APIs and
both forms of the fake (the in-process transport and the loopback server)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from http_support import APIS, KEY, Build

from llm_fakes.clock import VirtualClock


@pytest.fixture(params=["openai", "anthropic", "responses", "gemini"])
def api(request: pytest.FixtureRequest) -> str:
    """Which wire format the test runs against."""
    return str(request.param)


@pytest.fixture(params=["transport", "loopback"])
def form(request: pytest.FixtureRequest) -> str:
    """Which form of the fake server the test runs against."""
    return str(request.param)


@pytest.fixture
def build(api: str, form: str) -> Iterator[Build]:
    """build(script, **provider_kwargs) -> (fake, provider), on a VirtualClock."""
    stack = contextlib.ExitStack()

    def make(script: list[Any], **kw: Any) -> tuple[Any, Any]:
        fake_cls, provider_cls = APIS[api]
        fake = fake_cls(script, **kw.pop("fake_kw", {}))
        kw.setdefault("api_key", KEY)
        kw.setdefault("clock", VirtualClock())
        if api == "gemini":  # reasoning is sent only to those who ask for it
            kw.setdefault("include_thoughts", True)
        if form == "transport":
            provider = provider_cls("test-model", transport=fake.transport(), **kw)
        else:
            url = stack.enter_context(fake.serve())
            provider = provider_cls("test-model", base_url=url, **kw)
        stack.callback(provider.close)
        return fake, provider

    with stack:
        yield make
