"""Cassette names: no two test ids share a file (a collision test), named paths stay in the
cassette folder unless the test opts in, long ids get a short name. (The files themselves:
tests/cassettes/test_cassette_files.py.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_cassette_fixture import REAL, error_text, run

# Imported here, not in a test: pytester drops the modules a test imports after it starts.
from llm_fakes import CassetteProvider, ScriptedProvider
from llm_fakes.cassettes import storage
from llm_fakes.cassettes.naming import file_stem

ASK = [{"role": "user", "content": "Hi"}]


def test_ids_sanitised_alike_get_files_of_their_own(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(
        test_names="""
        import pytest

        COUNTS = {"a/b": 1, "a_b": 2, "a?b": 3, "a b": 4}

        @pytest.mark.parametrize("q", list(COUNTS))
        def test_param(llm_cassette, q):
            for n in range(COUNTS[q]):
                asked = [{"role": "user", "content": f"{q} {n}"}]
                assert llm_cassette.complete(asked).content == f"real: {q} {n}"
        """
    )
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=4)
    folder = pytester.path / "cassettes" / "test_names"
    files = sorted(folder.iterdir())
    assert len(files) == 4
    # The id that needs no sanitising keeps today's name, so its old cassette still matches.
    assert (folder / "test_param[a_b].yaml").is_file()
    sizes = sorted(len(storage.load(f)["interactions"]) for f in files)
    assert sizes == [1, 2, 3, 4]
    # Re-recording one of them leaves the others whole: every test replays.
    run(pytester, "--llm-record-mode=all", "-k", "test_param and a/b").assert_outcomes(passed=1)
    (pytester.path / "real_calls.log").unlink()
    run(pytester, "--llm-record-mode=none").assert_outcomes(passed=4)
    assert not (pytester.path / "real_calls.log").exists()


@pytest.mark.parametrize("name", ["../../outside", "../sibling/x", "<absolute>"])
def test_a_named_path_outside_the_cassette_folder_is_an_error_naming_the_opt_in(
    pytester: pytest.Pytester, make_ini: Callable[[str], None], name: str
) -> None:
    if name == "<absolute>":
        name = str(pytester.path.parent / "absolute-outside")
    pytester.makeconftest(REAL)
    pytester.makepyfile(
        test_outside=f"""
        import pytest

        @pytest.mark.llm_cassette({name!r})
        def test_it(llm_cassette):
            llm_cassette.complete([{{"role": "user", "content": "x"}}])
        """
    )
    result = run(pytester, "--llm-record-mode=once")
    result.assert_outcomes(errors=1)
    text = error_text(result)
    assert f"The cassette name {name!r} of test_outside.py::test_it points outside" in text
    assert "allow_outside=True" in text
    assert [p for p in pytester.path.parent.rglob("*.yaml") if "outside" in p.name] == []


def test_a_named_path_outside_the_folder_is_used_when_the_test_opts_in(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(
        REAL
        + """
@pytest.fixture
def llm_config():
    return {"cassette": {"name": "../shared/from_config", "allow_outside": True}}
"""
    )
    pytester.makepyfile(
        test_optin="""
        import pytest

        @pytest.mark.llm_cassette("../elsewhere", allow_outside=True)
        def test_marker(llm_cassette):
            llm_cassette.complete([{"role": "user", "content": "x"}])

        def test_config(llm_cassette):
            llm_cassette.complete([{"role": "user", "content": "y"}])
        """
    )
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    assert (pytester.path / "elsewhere.yaml").is_file()
    assert (pytester.path / "shared" / "from_config.yaml").is_file()


def test_a_path_named_in_llm_config_must_stay_inside_too(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(
        REAL + '\n@pytest.fixture\ndef llm_config():\n    return {"cassette": {"name": "/etc/x"}}\n'
    )
    pytester.makepyfile("def test_it(llm_cassette):\n    pass\n")
    result = run(pytester, "--llm-record-mode=once")
    result.assert_outcomes(errors=1)
    assert "points outside the cassette folder" in error_text(result)
    assert "allow_outside=True" in error_text(result)


def test_a_very_long_id_gets_a_short_stable_name(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(
        test_long="""
        import pytest

        LONG = ["x" * 300, "x" * 299 + "y"]

        @pytest.mark.parametrize("q", LONG, ids=LONG)
        def test_param(llm_cassette, q):
            assert llm_cassette.complete([{"role": "user", "content": q}]).content == "real: " + q
        """
    )
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=2)
    files = sorted((pytester.path / "cassettes" / "test_long").iterdir())
    assert len(files) == 2 and all(len(f.name.encode()) <= 205 for f in files)
    assert all(f.name.startswith("test_param[xxxx") for f in files)
    run(pytester, "--llm-record-mode=none").assert_outcomes(passed=2)


def test_replaying_a_cassette_an_older_release_named_says_how_to_rename_it(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    folder = pytester.path / "cassettes" / "test_old"
    old = folder / "test_param[a_b].yaml"  # what releases before the hash wrote for [a/b]
    with CassetteProvider(old, inner=ScriptedProvider(["real: a/b"]), mode="all") as llm:
        llm.complete([{"role": "user", "content": "a/b"}])
    pytester.makepyfile(
        test_old="""
        import pytest

        @pytest.mark.parametrize("q", ["a/b"])
        def test_param(llm_cassette, q):
            assert llm_cassette.complete([{"role": "user", "content": q}]).content == "real: a/b"
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    new = f"{file_stem('test_param[a/b]')}.yaml"
    text = error_text(result)
    assert f"is now cassettes/test_old/{new}" in text
    assert "wrote it to cassettes/test_old/test_param[a_b].yaml. Rename that file" in text
    old.rename(folder / new)
    run(pytester).assert_outcomes(passed=1)
