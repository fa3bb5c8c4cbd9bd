"""A downstream project's configuration, for the pytester sessions of tests/downstream.

The inner sessions import the framework mirror (``tests/mirror/framework``, on ``sys.path`` via
the root conftest) exactly as a project using the framework imports the framework. The *only*
llm-fakes configuration such a project adds is the ``llm_fakes_types`` line below.
"""

from __future__ import annotations

import pytest

#: pytest-asyncio warns without this (and filterwarnings=error would end the inner session).
# langsmith's pytest plugin (installed with langchain-core) is slow to import, in every session.
BASE_INI = (
    "[pytest]\nasyncio_default_fixture_loop_scope = function\naddopts = -p no:langsmith_plugin\n"
)
#: The one line a framework project adds.
TYPES_LINE = "llm_fakes_types = framework.llm.provider framework.llm.stream_events\n"


def write_project(pytester: pytest.Pytester, *, with_types_line: bool = True, **files: str) -> None:
    """Write the ini file (with or without the types line) and the given test modules."""
    pytester.makefile(".ini", pytest=BASE_INI + (TYPES_LINE if with_types_line else ""))
    if files:
        pytester.makepyfile(**files)
