"""Every ```python block of README.md and of every page of the site (docs/*.md) runs, so the docs
cannot rot.

How a block is run:

* It is executed in a fresh namespace, in a temporary working directory. Tracebacks point at
  the document's lines.
* A block that defines ``test_*`` functions or ``Test*`` classes is also run by pytest, as a test
  module in that directory, the way a user meets the kit: first ``pytest --llm-record-mode=once
  --snapshot-update`` (record cassettes, write snapshots); then, if that wrote any file, plain
  ``pytest`` (replay, under the network guard, and compare snapshots). Every test must pass.
* A block whose first line is ``# conftest.py`` is that file for the test blocks after it in the
  same ``##`` section.
* A block opts out only with an HTML comment right before it: ``<!-- not-run: reason -->``, or
  ``<!-- run-by: tests/x/test_y.py -->`` when that test module runs it (the module must exist and
  quote the block's first line; the block is still executed here).
* ``<!-- requires: module -->`` right before a block skips it when ``module`` cannot be imported
  (a client from an optional extra, such as ``agents`` or ``instructor``).

A block that fails fails its test, named after the block's first line number.
"""

from __future__ import annotations

import ast
import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: Every document whose python blocks run here (each with the same rules as the README).
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
_FENCE = re.compile(r"^```(\S*)\s*$")
_NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(\S.*?)\s*-->$")
_RUN_BY = re.compile(r"^<!--\s*run-by:\s*(\S+)\s*-->$")
_REQUIRES = re.compile(r"^<!--\s*requires:\s*(\S+)\s*-->$")
_CONFTEST = "# conftest.py"
# A `requires: litellm` block is skipped or not by importing litellm before the block runs, and
# litellm downloads its model price map at import unless this is set (the recipe sets it too).
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# litellm's importlib_metadata is imported before any block: see the root conftest.py.


@dataclass(frozen=True)
class Block:
    line: int  # README line of the block's first code line
    source: str
    section: str  # the enclosing "## " heading
    skip_reason: str | None
    conftest: str | None  # the section's latest "# conftest.py" block before this one
    run_by: str | None = None  # the test module that runs this block's tests
    doc: Path = README  # the document the block is in
    requires: str | None = None  # a module the block needs (skipped without it)

    @property
    def where(self) -> str:
        """``README.md block at line 12``: how messages name the block."""
        return f"{self.doc.relative_to(ROOT).as_posix()} block at line {self.line}"

    @property
    def test_names(self) -> list[str]:
        """Its test functions and test classes (``test*`` / ``Test*``, as pytest collects)."""
        tree = ast.parse(self.source)
        return [
            node.name
            for node in tree.body
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.name.startswith("test")
            )
            or (isinstance(node, ast.ClassDef) and node.name.startswith("Test"))
        ]

    @property
    def is_conftest(self) -> bool:
        return self.source.startswith(_CONFTEST)


def parse_blocks(text: str, doc: Path = README) -> list[Block]:
    """The python blocks of a Markdown text, with what the runner needs to know about each."""
    lines = text.splitlines()
    blocks: list[Block] = []
    section = ""
    conftest: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section, conftest = line[3:].strip(), None
        fence = _FENCE.match(line)
        if not fence:
            i += 1
            continue
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if fence.group(1) == "python":
            previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            skip = _NOT_RUN.match(previous.strip())
            run_by = _RUN_BY.match(previous.strip())
            requires = _REQUIRES.match(previous.strip())
            source = "\n".join(lines[start:end]) + "\n"
            block = Block(
                start + 1,
                source,
                section,
                skip.group(1) if skip else None,
                conftest,
                run_by.group(1) if run_by else None,
                doc,
                requires.group(1) if requires else None,
            )
            blocks.append(block)
            if block.is_conftest and not block.skip_reason:
                conftest = source
        i = end + 1
    return blocks


BLOCKS = [block for doc in DOCS for block in parse_blocks(doc.read_text(encoding="utf-8"), doc)]


def _execute(block: Block) -> None:
    # Padding makes the compiled code's line numbers README.md's own.
    code = compile("\n" * (block.line - 1) + block.source, str(block.doc), "exec")
    try:
        exec(code, {"__name__": f"readme_line_{block.line}"})
    except BaseException:
        pytest.fail(
            f"{block.where} ({block.section!r}) failed:\n{traceback.format_exc()}",
            pytrace=False,
        )


def _files(folder: Path) -> dict[str, float]:
    """Every file under ``folder`` but caches, with its modification time."""
    return {
        str(p.relative_to(folder)): p.stat().st_mtime
        for p in folder.rglob("*")
        if p.is_file() and not {"__pycache__", ".hypothesis", ".pytest_cache"} & set(p.parts)
    }


def _run_as_tests(block: Block, pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".ini",
        # langsmith's pytest plugin (installed with langchain-core) is slow to import.
        pytest="[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "addopts = -p no:langsmith_plugin\n",
    )
    if block.conftest is not None:
        pytester.makeconftest(block.conftest)
    test_file = pytester.path / f"test_readme_line_{block.line}.py"
    test_file.write_text(block.source, encoding="utf-8")
    # A test class may hold any number of tests: each function counts one, each class at least one.
    expected = len(block.test_names)
    before = _files(pytester.path)
    for run, args in (
        ("first run (recording)", ["--llm-record-mode=once", "--snapshot-update"]),
        ("second run (replaying)", []),
    ):
        if args == [] and _files(pytester.path) == before:
            return  # nothing was recorded or written: there is nothing to replay
        result = pytester.runpytest(test_file.name, "-p", "no:cacheprovider", *args)
        outcomes = result.parseoutcomes()
        if outcomes.get("passed", 0) < expected or result.ret != 0:
            pytest.fail(
                f"{block.where} ({block.section!r}): the {run}, "
                f"pytest {' '.join(args)}, did not pass: {outcomes} (expected at least "
                f"{expected} passed and nothing failed)\n"
                f"{result.stdout.str()}",
                pytrace=False,
            )


def _check_delegate(block: Block) -> None:
    module = ROOT / str(block.run_by)
    first_line = block.source.splitlines()[0]
    if not module.is_file() or first_line not in module.read_text(encoding="utf-8"):
        pytest.fail(
            f"{block.where} ({block.section!r}) says it is run by "
            f"{block.run_by!r}, but that file does not exist or does not quote the block's first "
            f"line {first_line!r}. Point the run-by comment at the test that runs the block, or "
            f"remove the comment to run the block here.",
            pytrace=False,
        )


def _id(block: Block) -> str:
    return f"line{block.line}" if block.doc == README else f"{block.doc.stem}-line{block.line}"


@pytest.mark.parametrize("block", BLOCKS, ids=[_id(b) for b in BLOCKS])
def test_readme_block_runs(block: Block, pytester: pytest.Pytester) -> None:
    if block.skip_reason is not None:
        pytest.skip(f"{block.where}: not-run: {block.skip_reason}")
    if block.requires is not None:
        pytest.importorskip(block.requires, reason=f"{block.where} needs {block.requires}")
    _execute(block)
    if block.run_by is not None:
        _check_delegate(block)
    elif block.test_names and not block.is_conftest:
        _run_as_tests(block, pytester)


# ---------------------------------------------------------------- the runner's own behaviour

SAMPLE = """\
## One

```python
x = 1
```

<!-- not-run: needs a real API key -->
```python
raise SystemExit
```

## Two

```python
# conftest.py
import pytest
```

```python
def test_it():
    pass
```

<!-- run-by: tests/test_readme.py -->
```python
y = 2
```
"""


def test_the_parser_finds_blocks_lines_sections_opt_outs_and_conftests() -> None:
    blocks = parse_blocks(SAMPLE)
    assert [(b.line, b.section, b.skip_reason) for b in blocks] == [
        (4, "One", None),
        (9, "One", "needs a real API key"),
        (15, "Two", None),
        (20, "Two", None),
        (26, "Two", None),
    ]
    assert [b.run_by for b in blocks] == [None, None, None, None, "tests/test_readme.py"]
    assert blocks[3].conftest == "# conftest.py\nimport pytest\n"
    assert blocks[3].test_names == ["test_it"]
    assert blocks[0].conftest is None


def test_a_failing_block_fails_with_its_readme_line(pytester: pytest.Pytester) -> None:
    block = Block(7, "x = 1\nassert x == 2, 'broken example'\n", "Tour", None, None)
    with pytest.raises(pytest.fail.Exception) as err:
        _execute(block)
    message = str(err.value)
    assert message.startswith("README.md block at line 7 ('Tour') failed:\n")
    assert f'File "{README}", line 8, in <module>' in message
    assert message.rstrip().endswith("AssertionError: broken example")


def test_a_failing_test_in_a_block_fails_with_its_readme_line(pytester: pytest.Pytester) -> None:
    source = "def test_ok():\n    pass\n\n\ndef test_broken():\n    assert 1 == 2\n"
    block = Block(30, source, "Pytest", None, None)
    with pytest.raises(pytest.fail.Exception) as err:
        _run_as_tests(block, pytester)
    assert str(err.value).startswith(
        "README.md block at line 30 ('Pytest'): the first run (recording), pytest "
        "--llm-record-mode=once --snapshot-update, did not pass: {'failed': 1, 'passed': 1} "
        "(expected at least 2 passed and nothing failed)"
    )


def test_a_block_whose_first_run_wrote_files_runs_again_and_must_pass_again(
    pytester: pytest.Pytester,
) -> None:
    source = (
        "from pathlib import Path\n\n\n"
        "def test_records_then_replays():\n"
        "    recording = Path('cassettes/x.yaml')\n"
        "    assert not recording.exists(), 'the replay run'\n"
        "    recording.parent.mkdir()\n"
        "    recording.write_text('recorded')\n"
    )
    with pytest.raises(pytest.fail.Exception) as err:
        _run_as_tests(Block(40, source, "Cassettes", None, None), pytester)
    assert str(err.value).startswith(
        "README.md block at line 40 ('Cassettes'): the second run (replaying), pytest , "
        "did not pass: {'failed': 1} (expected at least 1 passed and nothing failed)"
    )
    assert "AssertionError: the replay run" in str(err.value)


def test_a_block_run_elsewhere_must_name_a_test_that_quotes_it() -> None:
    block = Block(9, "# demo.py\nx = 1\n", "Demo", None, None, "tests/no_such_test.py")
    with pytest.raises(pytest.fail.Exception) as err:
        _check_delegate(block)
    assert str(err.value) == (
        "README.md block at line 9 ('Demo') says it is run by 'tests/no_such_test.py', but that "
        "file does not exist or does not quote the block's first line '# demo.py'. Point the "
        "run-by comment at the test that runs the block, or remove the comment to run the block "
        "here."
    )
    _check_delegate(Block(9, "# README.md block\n", "Demo", None, None, "tests/test_readme.py"))


# ---------------------------------------------------------------- what a new user reads first


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_readme_says_what_a_project_installs_before_the_tour() -> None:
    text = README.read_text(encoding="utf-8")
    install = _section(text, "Install it in your project")
    assert text.index(install) < text.index("\n## A short tour\n")
    assert "python -m pip install llm-fakes\n" in install
    for plugin, marker in (
        ("pytest-asyncio", "@pytest.mark.asyncio"),
        ("anyio", "@pytest.mark.anyio"),
    ):
        assert f"python -m pip install {plugin} " in install
        assert marker in install


def test_the_interface_page_shows_streams_signature_beside_completes() -> None:
    tour = (ROOT / "docs" / "interface.md").read_text(encoding="utf-8")
    block = next(b for b in parse_blocks(tour) if "class Signatures:" in b.source)
    assert (
        '    async def stream(\n        self, messages, system="", tools=None, max_tokens=4096\n'
        in (block.source)
    )
    for missing in ("json_mode", "response_format", "max_retries"):
        assert f"`{missing}`" in tour  # named in the prose as what stream() does not take


def test_the_contract_document_runs_here_too() -> None:
    contract = [b for b in BLOCKS if b.doc.name == "contract.md"]
    assert contract, "docs/contract.md lost its python examples"
    assert all(b.skip_reason is None for b in contract)
    assert contract[0].where.startswith("docs/contract.md block at line ")
