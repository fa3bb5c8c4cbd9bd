"""The ``llm_cassette`` marker: name or share a cassette, set match options."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_cassette_fixture import REAL, error_text, run


def test_a_named_cassette_is_shared_by_the_tests_that_name_it(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(REAL)
    pytester.makepyfile(
        test_cas_shared="""
        import pytest

        @pytest.mark.llm_cassette("common")
        def test_a(llm_cassette):
            llm_cassette.complete([{"role": "user", "content": "a"}])

        @pytest.mark.llm_cassette(name="common")
        def test_b(llm_cassette):
            llm_cassette.complete([{"role": "user", "content": "b"}])

        @pytest.mark.llm_cassette("other_module/deep")
        def test_c(llm_cassette):
            llm_cassette.complete([{"role": "user", "content": "c"}])
        """
    )
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=3)
    from llm_fakes.cassettes import storage

    common = storage.load(pytester.path / "cassettes" / "test_cas_shared" / "common.yaml")
    contents = [i["request"]["messages"][0]["content"] for i in common["interactions"]]
    assert contents == ["a", "b"]
    assert (pytester.path / "cassettes" / "other_module" / "deep.yaml").is_file()
    run(pytester).assert_outcomes(passed=3)


def test_match_on_fewer_fields_from_the_marker(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(REAL)
    test = """
        import pytest

        @pytest.mark.llm_cassette(match_on=["messages"])
        def test_it(llm_cassette):
            r = llm_cassette.complete([{"role": "user", "content": "a"}], system=SYSTEM)
            assert r.content == "real: a"
        """
    pytester.makepyfile(test_cas_match=test.replace("SYSTEM", "'It is 09:30.'"))
    run(pytester, "--llm-record-mode=once").assert_outcomes(passed=1)
    pytester.makepyfile(test_cas_match=test.replace("SYSTEM", "'It is 17:45.'"))
    run(pytester).assert_outcomes(passed=1)


def test_an_unknown_marker_option_is_a_usage_error_listing_the_options(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makepyfile(
        test_cas_bad="""
        import pytest

        @pytest.mark.llm_cassette(match=["messages"])
        def test_it(llm_cassette):
            pass
        """
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    assert (
        "llm_fakes.errors.UsageError: Unknown cassette option(s) ['match'] for "
        "test_cas_bad.py::test_it. The options are ['allow_outside', 'allow_playback_repeats', "
        "'before_record', "
        "'before_record_request', 'clock', 'cross_view_defaults', 'filter_keys', 'filters', "
        "'match_on', 'name', "
        "'normalize', 'realtime', 'record_mode', 'strict', 'types']; fix the "
        "@pytest.mark.llm_cassette marker or llm_config['cassette']."
    ) in error_text(result)


def test_llm_config_gives_cassette_options_for_a_directory(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    pytester.makeconftest(
        REAL
        + """
@pytest.fixture
def llm_config():
    return {"record_mode": "once", "cassette": {"filters": ["Alice"]}}
"""
    )
    pytester.makepyfile(
        test_cas_cfg="""
        def test_it(llm_cassette):
            llm_cassette.complete([{"role": "user", "content": "Alice asks"}])
        """
    )
    run(pytester).assert_outcomes(passed=1)
    text = (pytester.path / "cassettes" / "test_cas_cfg" / "test_it.yaml").read_text()
    assert "Alice" not in text and "<redacted> asks" in text
