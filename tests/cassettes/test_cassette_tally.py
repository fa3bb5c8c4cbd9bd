"""The session-wide cassette tally: what shared-cassette verdicts (and reports) are built on."""

from __future__ import annotations

import json

from llm_fakes.cassettes.tally import CassetteTally


def use(tally: CassetteTally, test: str, played: list[int], **kw: bool) -> None:
    tally.record("c.yaml", test, size=3, played=played, described={2: "complete(...)"}, **kw)


def two_tests() -> CassetteTally:
    tally = CassetteTally()
    tally.expect("c.yaml", "t::a")
    tally.expect("c.yaml", "t::b")
    return tally


def test_a_verdict_needs_every_expected_test_to_have_run_and_passed_without_recording() -> None:
    tally = two_tests()
    use(tally, "t::a", [0])
    assert not tally.complete("c.yaml")  # t::b did not run (deselected, or -x stopped first)
    use(tally, "t::b", [1])
    assert tally.complete("c.yaml")
    assert (tally.unplayed("c.yaml"), tally.describe("c.yaml", 2)) == ([2], "complete(...)")

    failed = two_tests()
    use(failed, "t::a", [0])
    use(failed, "t::b", [1], passed=False)
    assert not failed.complete("c.yaml")

    recording = two_tests()
    use(recording, "t::a", [0])
    use(recording, "t::b", [], recorded=True)
    assert not recording.complete("c.yaml")


def test_xdist_workers_tallies_merge_into_the_runs() -> None:
    gw0, gw1 = two_tests(), two_tests()
    use(gw0, "t::a", [0])
    use(gw1, "t::b", [1])
    controller = CassetteTally()
    for worker in (gw0, gw1):
        controller.merge(json.loads(json.dumps(worker.to_data())))  # what execnet carries
    assert controller.complete("c.yaml")
    assert controller.users("c.yaml") == ["t::a", "t::b"]
    assert controller.unplayed("c.yaml") == [2]
