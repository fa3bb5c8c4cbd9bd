"""A griffe extension for the API pages: the kit's docstrings head their doctests ``Example:``,
which griffe's Google parser reads as an admonition of Markdown (so ``x["a"][0]`` becomes a broken
link); ``Examples:`` is its code section."""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.M)


class ExampleSections(griffe.Extension):
    """Read ``Example:`` as ``Examples:``."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
