"""Six providers written the way real ones are (``seed_providers.py``), each judged by the suite:
every deviation its code really has FAILs with its cause, and nothing else does.

The expected verdicts are what a careful reader of each provider concludes (its docstring says
why). The litellm-based ones need litellm (clients extra) and skip without it; the plain SDK ones
run everywhere. Few examples each, on the properties that tell the providers apart: the ci profile
finds the same (``benchmarks/bench_conformance.py`` times whole runs).
"""

from __future__ import annotations

import pytest
from litellm_support import import_litellm
from seed_factories import FACTORIES

from llm_fakes.contract import run_conformance
from llm_fakes.contract.check_hygiene import MUTATES
from llm_fakes.contract.check_retries import EMPTY, NESTED

LITELLM = {"litellm-march", "litellm-august", "litellm-anthropic"}

#: provider -> {property: verdict}.
EXPECTED: dict[str, dict[str, str]] = {
    # Tool calls in raw_response (a ModelResponse): C1, C2 and S5 read them there. The SDK's
    # retries nest inside its own (R1), an empty answer passes as a reply (R3, R4), acomplete
    # never retries itself (R1).
    "litellm-march": {
        "C1": "pass",
        "C2": "pass",
        "C5": "pass",
        "S5": "pass",
        "S8": "pass",
        "S9": "pass",
        "J1": "pass",
        "J2": "pass",
        "R1": "FAIL",
        "R3": "FAIL",
    },
    # March's, plus silent truncation (S8), every stream error recoverable (S9), and JSON mode
    # editing the caller's last message (C5).
    "litellm-august": {
        "C1": "pass",
        "C5": "FAIL",
        "S5": "pass",
        "S8": "FAIL",
        "S9": "FAIL",
        "J1": "pass",
    },
    # Claude has no JSON-object mode: the provider asks in the prompt (J1, J3: "prompt only");
    # a schema goes as litellm's forced json_tool_call (J2 passes); litellm rewrites empty
    # content and adds a dummy tool (C4); acomplete never retries (R1).
    "litellm-anthropic": {
        "C1": "pass",
        "C4": "FAIL",
        "J1": "prompt only",
        "J2": "pass",
        "J3": "prompt only",
        "R1": "FAIL",
    },
    # Written with care: nothing fails.
    "openai-sdk": {
        "C1": "pass",
        "C2": "pass",
        "C5": "pass",
        "J1": "pass",
        "J2": "pass",
        "J3": "pass",
        "R1": "pass",
        "R3": "pass",
        "R4": "pass",
    },
    "anthropic-sdk": {"C1": "pass", "C2": "pass", "C5": "pass", "R3": "pass", "R4": "pass"},
    # cache_control on the caller's last message (C5).
    "seed-anthropic": {"C1": "pass", "C5": "FAIL", "R3": "pass"},
}

#: provider -> {property: the cause its failure names}.
CAUSES: dict[str, dict[str, str]] = {
    "litellm-march": {"R1": NESTED, "R3": EMPTY},
    "litellm-august": {
        "C5": MUTATES.format(what="messages"),
        "S8": "stream() ends a broken stream with a normal FinishEvent (silent truncation)",
        "S9": "stream() marks permanent errors recoverable=True",
    },
    "seed-anthropic": {"C5": MUTATES.format(what="messages")},
}


#: litellm keeps its async HTTP clients in a cache of its own, past the event loop each example
#: ran on; their sockets are closed when collected, which Python reports as unclosed.
LITELLM_SOCKETS = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.mark.parametrize("name", list(EXPECTED))
@LITELLM_SOCKETS[0]
@LITELLM_SOCKETS[1]
def test_each_verdict_is_what_a_careful_reader_of_the_provider_concludes(name: str) -> None:
    if name in LITELLM:
        import_litellm()
    if name in {"anthropic-sdk", "seed-anthropic"}:
        import anthropic

        if not hasattr(anthropic, "OverloadedError"):
            # Found on the lowest declared SDK (anthropic 0.77): these providers get R3 FAIL there
            # (the 529 before the 400 is not retried). Not yet read against that SDK's code, so
            # no expected verdict is claimed for it.
            pytest.skip("R3 on anthropic releases without OverloadedError is not yet analysed")
    report = run_conformance([FACTORIES[name]], only=",".join(EXPECTED[name]), max_examples=8)
    got = {v.property: v.status for v in report.verdicts}
    messages = {v.property: v.message for v in report.verdicts if v.status != "pass"}
    assert got == EXPECTED[name], messages
    for prop, cause in CAUSES.get(name, {}).items():
        causes = {f.cause for f in report.verdict(prop, name).failures}
        assert cause in causes, (prop, causes)


@LITELLM_SOCKETS[0]
@LITELLM_SOCKETS[1]
def test_the_prompt_only_verdict_quotes_the_providers_sentence() -> None:
    import_litellm()
    from seed_providers import PROMPT_JSON

    report = run_conformance([FACTORIES["litellm-anthropic"]], only="J1", max_examples=4)
    assert report.verdicts[0].status == "prompt only"
    assert repr(PROMPT_JSON) in report.verdicts[0].message
