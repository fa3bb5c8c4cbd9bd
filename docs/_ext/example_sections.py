"""A griffe extension for the API pages, for the kit's docstrings as they are written:

* their doctests are headed ``Example:``, which griffe's Google parser reads as an admonition of
  Markdown (so ``x["a"][0]`` becomes a broken link); ``Examples:`` is its code section;
* they name objects with Sphinx roles (``:class:`~llm_fakes.X```), which Markdown shows raw: they
  become code spans (``X``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^(\s*)Example:\s*$", re.M)
_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    target = match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"


class ExampleSections(griffe.Extension):
    """Read ``Example:`` as ``Examples:``, and Sphinx roles as code spans."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            value = _EXAMPLE.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = _ROLE.sub(_code, value)
