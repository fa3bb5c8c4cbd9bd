"""Bad cassette files: every one ends in a typed kit error naming the file, never a traceback.

Inputs: arbitrary bytes; a valid cassette truncated, with bytes flipped or invalid UTF-8 spliced
in; the valid document with one node replaced by a value of the wrong type (huge ints, NaN, deep
lists, ...); nesting thousands of levels deep. For each: loading and replaying everything in the
file either works, or raises a :class:`CassetteError` (or the recorded, typed provider error)
whose message names the file; the file is never changed; nothing runs longer than 10 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hardening_support import no_hang, tally
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from llm_fakes import CassetteProvider, Fail, Reply, ScriptedProvider, ToolCall, _yaml
from llm_fakes.errors import CassetteError, CassetteFormatError, ProviderError

ASK = [{"role": "user", "content": "What is 2+2?"}]
CATEGORY = "cassette files"
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _record(path: Path) -> None:
    """A valid cassette with every outcome kind: text, tool call, error, a stream."""
    inner = ScriptedProvider(
        [
            "4",
            Reply(text="Checking.", tool_calls=[ToolCall("search", {"q": "paris", "n": [1, 2]})]),
            Fail.rate_limit(retry_after=2),
            "Hello wide world, line one\nline two",
        ]
    )
    with CassetteProvider(path, inner=inner, mode="all") as cassette:
        cassette.complete(ASK)
        cassette.complete([*ASK, {"role": "assistant", "content": "4"}, *ASK], system="Be brief.")
        with pytest.raises(ProviderError):
            cassette.complete([{"role": "user", "content": "again"}], max_retries=0)

        async def stream() -> None:
            async for _ in cassette.stream([{"role": "user", "content": "héllo ✓"}]):
                pass

        asyncio.run(stream())


@pytest.fixture(scope="module")
def valid_text(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a valid, freshly recorded cassette."""
    path = tmp_path_factory.mktemp("valid") / "valid.yaml"
    _record(path)
    return path.read_bytes()


def _replay_all(path: Path) -> int:
    """Load the cassette and replay each interaction in order, through complete and stream."""
    # One key for every request: the interactions replay in recorded order, whatever they hold.
    options: dict[str, Any] = {"match_on": ["messages"], "normalize": {"messages": lambda _: 0}}
    replay = CassetteProvider(path, **options)
    n = len(replay.interactions)
    for _ in range(n):
        with contextlib.suppress(ProviderError):  # a recorded error replays typed: expected
            replay.complete(ASK)

    async def stream_all(replay: CassetteProvider) -> None:
        for _ in range(n):
            with contextlib.suppress(ProviderError):
                async for _event in replay.stream(ASK):
                    pass

    asyncio.run(stream_all(CassetteProvider(path, **options)))
    return n


def check_cassette_bytes(tmp_path: Path, data: bytes, kind: str) -> str:
    """Write ``data`` as a cassette, load and replay it; return how it ended (for the tally)."""
    path = tmp_path / "fuzzed.yaml"
    path.write_bytes(data)
    try:
        with no_hang(10, f"loading a {kind} cassette"):
            _replay_all(path)
        outcome = "loaded and replayed"
    except CassetteError as exc:
        message = str(exc)
        assert "fuzzed.yaml" in message, message  # names the file
        assert "--llm-record-mode" in message or "Fix" in message, message  # says the fix
        outcome = type(exc).__name__
    except Exception as exc:  # pragma: no cover - what this test exists to catch
        raise AssertionError(
            f"{kind} cassette {data[:200]!r}... ({len(data)} bytes) raised an untyped "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    assert path.read_bytes() == data, "loading or replaying changed the cassette file"
    tally(CATEGORY, outcome)
    return outcome


# ----------------------------------------------------------------------------- raw bytes


@FUZZ
@given(data=st.binary(max_size=2000))
@example(data=b"")
@example(data=b"\xff\xfe\x00")
@example(data=b"version: 1\n")
@example(data=b"- a\n- b\n")
@example(data=b"{version: 1, header: {}, interactions: [}")
def test_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    check_cassette_bytes(tmp_path, data, "random-bytes")


@FUZZ
@given(cut=st.floats(0.0, 1.0, exclude_max=True))
def test_truncated(tmp_path: Path, valid_text: bytes, cut: float) -> None:
    check_cassette_bytes(tmp_path, valid_text[: int(len(valid_text) * cut)], "truncated")


@FUZZ
@given(
    at=st.floats(0.0, 1.0),
    junk=st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\t", b"\r", b"\xe2\x9c"])
    | st.binary(min_size=1, max_size=8),
    replace=st.booleans(),
)
def test_spliced_bytes(
    tmp_path: Path, valid_text: bytes, at: float, junk: bytes, replace: bool
) -> None:
    i = int(len(valid_text) * at)
    data = valid_text[:i] + junk + valid_text[i + (len(junk) if replace else 0) :]
    check_cassette_bytes(tmp_path, data, "spliced")


# ----------------------------------------------------------------------------- wrong types

WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.integers(1_000, 30_000).map(lambda n: "ab\n" * n),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["complete", "text_delta", "RateLimitError", "finish", "stream", "", "9"]),
)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*at, i))
    return out


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


@FUZZ
@given(data=st.data(), value=WRONG, style=st.sampled_from(["yaml", "json", "drop"]))
def test_one_node_of_the_wrong_type(
    tmp_path: Path, valid_text: bytes, data: st.DataObject, value: Any, style: str
) -> None:
    doc = yaml.safe_load(valid_text)
    path = data.draw(st.sampled_from(_paths(doc)[1:]), label="path")
    if style == "drop":
        parent = _replace(doc, (), doc)
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
        text = yaml.safe_dump(doc, allow_unicode=True)
    else:
        _replace(doc, path, value)
        text = yaml.safe_dump(doc, allow_unicode=True) if style == "yaml" else json.dumps(doc)
    outcome = check_cassette_bytes(tmp_path, text.encode("utf-8", "surrogatepass"), "wrong-type")
    if outcome == "CassetteFormatError" and style != "json":
        # The message points at the field: one of the keys on the path to the bad node.
        try:
            CassetteProvider(tmp_path / "fuzzed.yaml")
        except CassetteFormatError as exc:
            message = str(exc)
            keys = [str(p) for p in path if isinstance(p, str)] or ["interaction", "version"]
            named = [k for k in keys if k in message] + (
                ["#"] if "interaction #" in message else []
            )
            assert named, f"{message!r} names none of {keys!r}"


# ----------------------------------------------------------------------------- deep and huge


@settings(FUZZ, max_examples=12)
@given(depth=st.integers(50, 6_000), style=st.sampled_from(["flow", "block", "value"]))
@example(depth=5000, style="flow")
@example(depth=1500, style="block")
@example(depth=3000, style="value")
def test_deep_nesting(tmp_path: Path, valid_text: bytes, depth: int, style: str) -> None:
    if style == "flow":
        data = b"[" * depth + b"]" * depth
    elif style == "block":
        depth = min(depth, 1500)  # the text grows as depth squared
        data = b"".join(b"  " * i + b"a:\n" for i in range(depth)) + b"  " * depth + b"b: 1\n"
    else:  # a deep value inside an otherwise valid cassette
        data = valid_text.replace(b"content: '4'", b"content: " + b"[" * depth + b"]" * depth)
        data = data.replace(b'content: "4"', b"content: " + b"[" * depth + b"]" * depth)
    check_cassette_bytes(tmp_path, data, "deep")


def test_thousands_of_interactions_and_huge_strings(tmp_path: Path, valid_text: bytes) -> None:
    doc = yaml.safe_load(valid_text)
    first = doc["interactions"][0]
    big = json.loads(json.dumps(first))
    big["response"]["content"] = "x" * 5_000_000
    doc["interactions"] = [json.loads(json.dumps(first)) for _ in range(2_000)] + [big]
    outcome = check_cassette_bytes(tmp_path, _yaml.dumps(doc).encode(), "huge")
    assert outcome == "loaded and replayed"
