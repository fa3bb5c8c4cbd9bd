"""The root namespace holds what a test author types every day; the rest lives in its module.

Errors are in ``llm_fakes.errors``, events in ``llm_fakes.events``, clocks in ``llm_fakes.clock``.
The names that used to be at the root still import from there, silently (a DeprecationWarning
would fail downstream suites that run with ``-W error``), but are not listed.
"""

from __future__ import annotations

import importlib
import warnings

import llm_fakes
from llm_fakes import errors, events

# Everything the root exported before the move.
FORMER_ROOT = [
    *[n for n in errors.__all__ if n not in ("error_for_status", "kit_error")],
    *[n for n in events.__all__ if n != "EVENT_CLASSES"],
    "Clock",
    "RealClock",
    "TypeSet",
    "JSON_FLAWS",
]


def test_the_root_lists_about_25_everyday_names() -> None:
    assert len(llm_fakes.__all__) <= 27
    assert dir(llm_fakes) == sorted(llm_fakes.__all__)
    for name in ("ScriptedProvider", "CassetteProvider", "FakeOpenAI", "ProviderContract"):
        assert name in llm_fakes.__all__
    assert not {"RateLimitError", "TextDeltaEvent", "CassetteMiss"} & set(dir(llm_fakes))


def test_errors_and_events_live_in_their_modules() -> None:
    assert "RateLimitError" in errors.__all__ and "CassetteMiss" in errors.__all__
    assert "TextDeltaEvent" in events.__all__ and "FinishEvent" in events.__all__


def test_every_former_root_name_still_imports_from_the_root_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in FORMER_ROOT:
            value = getattr(llm_fakes, name)
            assert value is not None
    from llm_fakes import CassetteMiss, RateLimitError, TextDeltaEvent  # the old spelling

    assert RateLimitError is errors.RateLimitError
    assert CassetteMiss is errors.CassetteMiss
    assert TextDeltaEvent is events.TextDeltaEvent


def test_every_listed_name_resolves() -> None:
    fresh = importlib.reload(llm_fakes)
    for name in fresh.__all__:
        assert getattr(fresh, name) is not None
