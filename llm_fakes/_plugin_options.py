"""Command-line options that live beside other pytest plugins' options.

Each llm-fakes option has two spellings: ``--llm-<name>``, the short one the docs use, and
``--llm-fakes-<name>``, which no other plugin registers. The short spelling is added only when
no plugin loaded before ours has it, so pytest starts with both plugins either way. Every
option's ``dest`` starts with ``llm_fakes_``, so no other plugin's option shares its value.

``--llm-fakes-cassette-dir`` has no short spelling: pytest-mockllm registers
``--llm-cassette-dir``, and a plugin loaded after ours cannot be made to step aside.

Example:
    >>> long_name("--llm-record-mode")
    '--llm-fakes-record-mode'
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

__all__ = ["add_option", "long_name"]


def long_name(option: str) -> str:
    """The spelling no other plugin uses: ``--llm-fakes-<name>``."""
    return option if option.startswith("--llm-fakes-") else "--llm-fakes-" + option[6:]


def _taken(parser: Any) -> Iterator[str]:
    groups = [getattr(parser, "_anonymous", None), *getattr(parser, "_groups", ())]
    seen: set[int] = set()
    for group in groups:
        if group is None or id(group) in seen:
            continue
        seen.add(id(group))
        for option in getattr(group, "options", ()):
            yield from option.names()


def add_option(group: Any, parser: Any, option: str, **attrs: Any) -> None:
    """Add ``option`` (``--llm-<name>``) to ``group`` as ``--llm-fakes-<name>``, and under its
    short name too unless another plugin already has that."""
    names = [long_name(option)]
    if option != names[0] and option not in set(_taken(parser)):
        try:
            group.addoption(option, *names, **attrs)
            return
        except (argparse.ArgumentError, ValueError):  # taken after all (pytest 9 checks here)
            pass
    group.addoption(*names, **attrs)
