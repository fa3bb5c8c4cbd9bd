"""Bad script files: every one ends in a ``ScriptError`` naming the file, never a traceback.

Inputs: arbitrary bytes (as ``.yaml`` and ``.json``); a valid script truncated or with bytes
spliced in (invalid UTF-8 among them); the valid script with one node replaced by a value of the
wrong type; nesting thousands of levels deep; an exponential YAML alias bomb. For each, loading
it either works, and then every turn plays through ``complete`` and ``stream`` ending in a
response or a typed kit error; or it raises :class:`ScriptError` whose message names the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from pathlib import Path
from typing import Any

import yaml
from hardening_support import no_hang, tally
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from llm_fakes import ScriptedProvider
from llm_fakes.errors import LLMFakesError, ScriptError

CATEGORY = "script files"
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ASK = [{"role": "user", "content": "What is the weather?"}]

VALID: dict[str, Any] = {
    "model": "gpt-fake",
    "chunking": "words",
    "turns": [
        "Hello!",
        {"text": "Checking.", "tool_calls": [{"name": "search", "input": {"q": "paris"}}]},
        {"json": {"city": "Paris", "temp_c": 21}},
        {"fail": "rate_limit", "retry_after": 2},
        {"fail": "server_error", "status": 503},
        {"fail": "mid_stream", "reply": "Hello wor", "after_chunk": 1, "recoverable": False},
        {"text": "thought", "reasoning": "hmm", "input_tokens": 3, "chunks": ["tho", "ught"]},
    ],
    "rules": [{"last_user": "(?i)weather", "times": 1, "reply": "Sunny."}],
}
VALID_YAML = yaml.safe_dump(VALID, allow_unicode=True, sort_keys=False).encode()


def _play(provider: ScriptedProvider) -> None:
    """Every turn through complete, then again through stream (max_retries=0: one attempt each)."""
    n = len(provider.remaining) + len(provider.rules)
    for _ in range(n):
        with contextlib.suppress(LLMFakesError):
            provider.complete(ASK, max_retries=0)

    async def stream_all() -> None:
        for _ in range(n):
            try:
                async for _event in provider.stream(ASK):
                    pass
            except LLMFakesError:
                pass

    asyncio.run(stream_all())


def check_script_bytes(tmp_path: Path, data: bytes, suffix: str, kind: str) -> str:
    """Write ``data`` as a script file, load and play it; return how it ended (for the tally)."""
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    try:
        with no_hang(10, f"loading a {kind} script"):
            provider = ScriptedProvider.from_file(path, on_exhausted="cycle")
            _play(provider)
        outcome = "loaded and played"
    except ScriptError as exc:
        message = str(exc)
        assert f"fuzzed{suffix}" in message, f"the error does not name the file: {message!r}"
        outcome = "ScriptError"
    except Exception as exc:  # pragma: no cover - what this test exists to catch
        raise AssertionError(
            f"{kind} script {data[:200]!r} ({len(data)} bytes, {suffix}) raised an untyped "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    assert path.read_bytes() == data
    tally(CATEGORY, outcome)
    return outcome


@FUZZ
@given(data=st.binary(max_size=1000), suffix=st.sampled_from([".yaml", ".json"]))
@example(data=b"\xff\xfe[]", suffix=".json")
@example(data=b"\xff\xfe[]", suffix=".yaml")
@example(data=b"1: a\nb: c\n", suffix=".yaml")
@example(data=b"model: 5\nturns: [hi]\n", suffix=".yaml")
@example(data=b"chunking: bogus\nturns: [hi]\n", suffix=".yaml")
@example(data=b"on_exhausted: never\nturns: [hi]\n", suffix=".yaml")
@example(data=b"turns: [{fail: rate_limit, retry_after: .inf}]\n", suffix=".yaml")
@example(data=b"turns: [{fail: mid_stream, reply: hi, after_chunk: 99}]\n", suffix=".yaml")
@example(data=b"!!python/object/apply:os.system [echo]\n", suffix=".yaml")
def test_arbitrary_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    check_script_bytes(tmp_path, data, suffix, "random-bytes")


@FUZZ
@given(
    cut=st.floats(0.0, 1.0, exclude_max=True),
    at=st.floats(0.0, 1.0),
    junk=st.sampled_from([b"", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\t", b"{", b"- "]),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_truncated_and_spliced(
    tmp_path: Path, cut: float, at: float, junk: bytes, suffix: str
) -> None:
    text = VALID_YAML if suffix == ".yaml" else json.dumps(VALID).encode()
    i = int(len(text) * at)
    text = text[:i] + junk + text[i:]
    check_script_bytes(tmp_path, text[: max(1, int(len(text) * cut))], suffix, "truncated")


WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.integers(1_000, 20_000).map(lambda n: "word " * n),
    st.lists(st.integers() | st.text(max_size=3), max_size=3),
    st.dictionaries(
        st.sampled_from(["text", "fail", "json", "x", "name"]), st.integers(), max_size=3
    ),
    st.sampled_from(["rate_limit", "mid_stream", "(", "[a-", "chars", "cycle", ""]),
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


@FUZZ
@given(data=st.data(), value=WRONG, suffix=st.sampled_from([".yaml", ".json"]))
def test_one_node_of_the_wrong_type(
    tmp_path: Path, data: st.DataObject, value: Any, suffix: str
) -> None:
    doc = json.loads(json.dumps(VALID))
    path = data.draw(st.sampled_from(_paths(doc)[1:]), label="path")
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    text = json.dumps(doc) if suffix == ".json" else yaml.safe_dump(doc, allow_unicode=True)
    outcome = check_script_bytes(tmp_path, text.encode("utf-8", "surrogatepass"), suffix, "wrong")
    if outcome == "ScriptError":
        try:
            ScriptedProvider.from_file(tmp_path / f"fuzzed{suffix}")
        except ScriptError as exc:
            message = str(exc)
            # It names the entry (turns[1]...) or the key on the path to the bad value.
            names = [f"{p}[{q}]" for p, q in itertools.pairwise(path)]
            names += [str(p) for p in path if isinstance(p, str)]
            assert any(n in message for n in names), f"{message!r} names none of {names!r}"


@settings(FUZZ, max_examples=6)
@given(depth=st.integers(50, 1_500), suffix=st.sampled_from([".yaml", ".json"]))
@example(depth=20_000, suffix=".json")
@example(depth=1_200, suffix=".yaml")
def test_deep_nesting(tmp_path: Path, depth: int, suffix: str) -> None:
    data = b'{"turns": [{"json": ' + b"[" * depth + b"]" * depth + b"}]}"
    check_script_bytes(tmp_path, data, suffix, "deep")


def test_alias_bomb_does_not_explode(tmp_path: Path) -> None:
    # Nine levels of nine aliases: 387 million strings if anything expands it.
    lines = ['a0: &a0 "lol"']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    lines.append("turns: [{json: *a9}]")
    bomb = ("\n".join(lines) + "\n").encode()
    assert check_script_bytes(tmp_path, bomb, ".yaml", "alias-bomb") == "ScriptError"
    nested = b"a0: &a0 lol\n" + b"".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 10)
    )
    bomb = b"turns:\n- text: hi\n  tool_calls: [{name: f, input: {x: *a9}}]\n"
    check_script_bytes(tmp_path, nested.replace(b"a0:", b"x0:", 0) + b"" + bomb, ".yaml", "bomb")
