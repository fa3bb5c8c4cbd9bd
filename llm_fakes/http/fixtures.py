"""pytest fixtures for the fake HTTP servers: ``llm_openai_server`` and ``llm_anthropic_server``.

Registered by :mod:`llm_fakes.pytest_plugin`; cheap to import (the fakes, and httpx, are imported
inside the fixtures). Each fixture is a :class:`~llm_fakes.FakeOpenAI` /
:class:`~llm_fakes.FakeAnthropic` with an empty script, serving on a free loopback port for the
test: add turns with ``.extend([...])`` and point the code under test at ``.base_url``. At
teardown the server stops and, unless the test already failed (its own failure is the one to
read), ``assert_all_used()`` checks that every turn was requested.

Example (a test module)::

    def test_client_retries(llm_openai_server):
        llm_openai_server.extend([Fail.rate_limit(retry_after=0.001), "Hi!"])
        client = openai.OpenAI(api_key="sk-test", base_url=llm_openai_server.base_url)
        ...
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

__all__ = ["llm_anthropic_server", "llm_openai_server"]

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _served(request: pytest.FixtureRequest, fake: Any) -> Iterator[Any]:
    __tracebackhide__ = True  # unused turns are reported without kit frames, as by llm_fake
    with fake.serve():
        yield fake
    reports = request.node.stash.get(_REPORTS, {})
    if not any(r.failed for r in reports.values()):
        fake.assert_all_used()


@pytest.fixture
def llm_openai_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A FakeOpenAI serving on 127.0.0.1: .extend([...]) its script, use its .base_url."""
    __tracebackhide__ = True
    from llm_fakes.http.fake_openai import FakeOpenAI

    yield from _served(request, FakeOpenAI([]))


@pytest.fixture
def llm_anthropic_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A FakeAnthropic serving on 127.0.0.1: .extend([...]) its script, use its .base_url."""
    __tracebackhide__ = True
    from llm_fakes.http.fake_anthropic import FakeAnthropic

    yield from _served(request, FakeAnthropic([]))
