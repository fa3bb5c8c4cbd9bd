"""pytest fixtures for the scripted fake: ``llm_fake``, ``llm_clock`` and the ``llm_script`` marker.

Registered by :mod:`llm_fakes.pytest_plugin`; cheap to import (the provider is imported inside
the fixture). Sync fixtures, so they serve sync, pytest-asyncio and anyio tests alike.

* ``llm_fake``: a fresh :class:`~llm_fakes.ScriptedProvider` on ``llm_clock``, with an empty
  script unless the marker loads one. At teardown it calls ``assert_all_used()``, unless the
  test already failed (its own failure is the one to read) or the marker says
  ``check_unused=False``.
* ``llm_clock``: the :class:`~llm_fakes.VirtualClock` the fake waits on.
* ``@pytest.mark.llm_script(path=None, *, check_unused=True, **options)``: load ``path`` (YAML or
  JSON, relative to the test file's folder) into ``llm_fake``; ``options`` are
  ``ScriptedProvider`` keywords (``chunking="chars"``, ``on_exhausted="cycle"``, ...). The
  closest marker wins (function over class over module).

Example (a test module)::

    @pytest.mark.llm_script("scripts/weather.yaml")
    def test_weather(llm_fake):
        assert answer(llm_fake, "Weather in Paris?") == "Sunny."
"""

from __future__ import annotations

import inspect
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from llm_fakes.errors import UsageError

if TYPE_CHECKING:
    from llm_fakes.clock import VirtualClock
    from llm_fakes.scripted.provider import ScriptedProvider

__all__ = ["llm_clock", "llm_fake"]

_MARKER = "llm_script"
_PHASES = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(path=None, *, check_unused=True, **options): load a YAML/JSON script file "
        "(relative to the test file) into the llm_fake fixture; options are ScriptedProvider "
        "keywords; check_unused=False skips the teardown check that every turn was used.",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_PHASES, {})[report.when] = report
    return report


def _marker_options(request: pytest.FixtureRequest) -> tuple[Path | None, bool, dict[str, Any]]:
    __tracebackhide__ = True
    marker = request.node.get_closest_marker(_MARKER)
    if marker is None:
        return None, True, {}
    if len(marker.args) > 1:
        raise UsageError(
            f"@pytest.mark.{_MARKER} takes one script path, got {marker.args!r}. "
            f"Merge the scripts into one file."
        )
    options = dict(marker.kwargs)
    raw = marker.args[0] if marker.args else options.pop("path", None)
    check_unused = options.pop("check_unused", True)
    if not isinstance(check_unused, bool):
        raise UsageError(
            f"@pytest.mark.{_MARKER}(check_unused=...) takes True or False, got {check_unused!r}"
        )
    path = None
    if raw is not None:
        path = Path(raw)
        if not path.is_absolute():
            path = Path(request.node.path).parent / path
    return path, check_unused, options


def _build(path: Path | None, options: dict[str, Any]) -> ScriptedProvider:
    __tracebackhide__ = True
    from llm_fakes.scripted.provider import ScriptedProvider

    accepted = [
        name
        for name, p in inspect.signature(ScriptedProvider).parameters.items()
        if p.kind is p.KEYWORD_ONLY
    ]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise UsageError(
            f"@pytest.mark.{_MARKER} got unknown option(s) {unknown!r}. It takes a path, "
            f"check_unused, and ScriptedProvider's keywords: {accepted!r}."
        )
    if path is None:
        return ScriptedProvider(**options)
    return ScriptedProvider.from_file(path, **options)


@pytest.fixture
def llm_clock() -> VirtualClock:
    """The virtual clock llm_fake waits on (latency, retry backoff): read or advance it."""
    from llm_fakes.clock import VirtualClock

    return VirtualClock()


@pytest.fixture
def llm_fake(request: pytest.FixtureRequest, llm_clock: VirtualClock) -> Iterator[ScriptedProvider]:
    """A fresh ScriptedProvider (script from @pytest.mark.llm_script); checks all turns used."""
    __tracebackhide__ = True  # a bad marker or script file is reported without kit frames
    path, check_unused, options = _marker_options(request)
    options.setdefault("clock", llm_clock)
    provider = _build(path, options)
    yield provider
    phases = request.node.stash.get(_PHASES, {})
    call_report = phases.get("call")
    if check_unused and call_report is not None and call_report.passed:
        provider.assert_all_used()
