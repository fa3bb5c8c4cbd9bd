"""The suite checks itself: each deliberately broken provider fails on the property it breaks,
and only there or on properties that logically depend on it; the honest wrapper passes all.

To stay fast, each mutant runs its own property with up to 25 examples and every other one with
two, without shrinking (the timing checks C3 and S7 run only for their own mutants: they wait in
real time). ``benchmarks/bench_conformance.py --mutants`` runs the same matrix under the full
``ci`` profile.
"""

from __future__ import annotations

import pytest
from contract_mutants import MUTANTS, Wrapper, factory

from llm_fakes.contract.properties import PROPERTIES
from llm_fakes.contract.runner import run_conformance

REAL_TIME = {"C3", "S7"}


def failing_properties(cls: type[Wrapper], target: str | None) -> set[str]:
    only = ",".join(p for p in PROPERTIES if p not in REAL_TIME or p == target)
    counts = {p: 25 if p == target else 2 for p in PROPERTIES}
    report = run_conformance([factory(cls)], only=only, max_examples=counts, shrink=False)
    return {v.property for v in report.failures}


@pytest.mark.parametrize("cls", list(MUTANTS), ids=lambda c: f"{MUTANTS[c][0]}-{c.__name__}")
def test_each_mutant_fails_on_the_property_it_breaks_and_only_where_that_matters(
    cls: type[Wrapper],
) -> None:
    target, allowed = MUTANTS[cls]
    failing = failing_properties(cls, target)
    assert target in failing, f"{cls.__name__} ({cls.__doc__}) was not caught by {target}"
    assert failing <= allowed, f"{cls.__name__} also failed {sorted(failing - allowed)}"


def test_every_property_has_a_mutant() -> None:
    assert {target for target, _ in MUTANTS.values()} == set(PROPERTIES)


def test_the_honest_wrapper_passes_every_property() -> None:
    report = run_conformance([factory(Wrapper)], max_examples=4)
    assert [(v.property, v.status, v.message) for v in report.failures] == []
    assert {v.status for v in report.verdicts} == {"pass"}
    assert len(report.verdicts) == len(PROPERTIES)
