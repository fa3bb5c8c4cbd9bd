"""``help(FakeOpenAI)`` and the like show the real parameters, not ``(*args, **kwargs)``."""

from __future__ import annotations

import inspect
import pydoc
from typing import Protocol

import pytest

import llm_fakes


def _public_callables() -> list[str]:
    names = []
    for name in sorted(llm_fakes.__all__):
        value = getattr(llm_fakes, name)
        if not callable(value) or (isinstance(value, type) and issubclass(value, BaseException)):
            continue  # exceptions keep Exception's own signature
        if isinstance(value, type) and Protocol in getattr(value, "__mro__", ()):
            continue  # a protocol is not instantiated
        names.append(name)
    return names


@pytest.mark.parametrize("name", _public_callables())
def test_a_public_callable_shows_its_real_parameters(name: str) -> None:
    parameters = list(inspect.signature(getattr(llm_fakes, name)).parameters.values())
    kinds = {p.kind for p in parameters}
    assert kinds != {inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD}, (
        f"{name} shows (*args, **kwargs)"
    )


def test_help_of_fake_openai_names_its_options() -> None:
    text = pydoc.render_doc(llm_fakes.FakeOpenAI, renderer=pydoc.plaintext)
    assert "FakeOpenAI(script" in text and "validate_json" in text
