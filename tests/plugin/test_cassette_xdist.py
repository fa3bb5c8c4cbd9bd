"""pytest-xdist workers recording into one shared cassette."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_cassette_fixture import REAL, run

SHARED = """
import os, pathlib
import pytest

@pytest.mark.llm_cassette("shared")
@pytest.mark.parametrize("n", range(8))
def test_ask(llm_cassette, n):
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with pathlib.Path("workers.txt").open("a") as log:
        log.write(worker + "\\n")
    assert llm_cassette.complete([{"role": "user", "content": f"q{n}"}]).content == f"real: q{n}"
"""

# Plugins this test does not need, kept out of the three fresh interpreters (langsmith's alone
# costs seconds of imports in each).
UNRELATED = [
    f"-pno:{name}"
    for name in ("langsmith_plugin", "benchmark", "hypothesispytest", "syrupy", "respx", "anyio")
]


def test_two_workers_recording_one_cassette_keep_both_sets(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    from llm_fakes.cassettes import storage

    pytester.makeconftest(REAL)
    pytester.makepyfile(test_cas_x=SHARED)
    path = pytester.path / "cassettes" / "test_cas_x" / "shared.yaml"

    def asked() -> list[str]:
        doc = storage.load(path)  # validates
        return sorted(i["request"]["messages"][0]["content"] for i in doc["interactions"])

    # Both workers re-record their share of the tests; neither wipes out the other's.
    result = pytester.runpytest_subprocess("-n", "2", "--llm-record-mode=all", *UNRELATED)
    result.assert_outcomes(passed=8)
    assert set((pytester.path / "workers.txt").read_text().split()) == {"gw0", "gw1"}
    assert asked() == [f"q{n}" for n in range(8)]
    # A later run re-records: it replaces the cassette rather than doubling it.
    run(pytester, "--llm-record-mode=all").assert_outcomes(passed=8)
    assert asked() == [f"q{n}" for n in range(8)]
    run(pytester).assert_outcomes(passed=8)
