"""One precedence for every setting: command line > ini key > marker > llm_config fixture."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from guard_inner import CONFTEST


def _project(
    pytester: pytest.Pytester,
    make_ini: Callable[[str], None],
    *,
    ini: str | None,
    marker: str | None,
    fixture: str | None,
) -> None:
    """An inner project whose one test reaches api.openai.com; each source sets the guard."""
    if ini is not None:
        make_ini(f"llm_fakes_guard = {ini}\n")
    conftest = CONFTEST
    if fixture is not None:
        conftest += f"\n@pytest.fixture\ndef llm_config():\n    return {{'guard': {fixture!r}}}\n"
    pytester.makeconftest(conftest)
    decorator = f"@pytest.mark.llm_guard({marker!r})\n" if marker is not None else ""
    pytester.makepyfile(
        "import httpx\nimport pytest\n\n"
        f"{decorator}def test_probe(dns, port):\n"
        "    assert httpx.get(f'http://api.openai.com:{port}/').text == 'ok'\n"
    )


@pytest.mark.parametrize(
    ("cli", "ini", "marker", "fixture", "blocked"),
    [
        pytest.param("off", "on", "on", "on", False, id="command line beats all"),
        pytest.param("on", "off", "off", "off", True, id="command line beats all (on)"),
        pytest.param(None, "off", "on", "on", False, id="ini beats marker and fixture"),
        pytest.param(None, "on", "off", "off", True, id="ini beats marker and fixture (on)"),
        pytest.param(None, None, "off", "on", False, id="marker beats fixture"),
        pytest.param(None, None, "on", "off", True, id="marker beats fixture (on)"),
        pytest.param(None, None, None, "off", False, id="fixture alone"),
        pytest.param(None, None, None, None, True, id="default: auto, record mode none"),
    ],
)
def test_the_first_source_that_sets_the_guard_wins(
    pytester: pytest.Pytester,
    make_ini: Callable[[str], None],
    cli: str | None,
    ini: str | None,
    marker: str | None,
    fixture: str | None,
    blocked: bool,
) -> None:
    _project(pytester, make_ini, ini=ini, marker=marker, fixture=fixture)
    args = [f"--llm-guard={cli}"] if cli is not None else []
    result = pytester.runpytest(*args)
    result.assert_outcomes(failed=1) if blocked else result.assert_outcomes(passed=1)


def test_the_record_mode_that_decides_auto_follows_the_same_precedence(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    # The marker says "record" (guard off), the fixture says "replay": the marker wins.
    pytester.makeconftest(
        CONFTEST
        + "\n@pytest.fixture\ndef llm_config():\n    return {'record_mode': 'none'}\n"
        # Registered here too, so the test does not depend on the cassette plugin's presence.
        + "\ndef pytest_configure(config):\n"
        + "    config.addinivalue_line('markers', 'llm_cassette: a cassette')\n"
    )
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.llm_cassette(record_mode="once")
        def test_recording(dns, port):
            assert httpx.get(f"http://api.openai.com:{port}/").text == "ok"

        def test_replaying(dns, port):
            httpx.get(f"http://api.openai.com:{port}/")
        """
    )
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*::test_recording PASSED*", "*::test_replaying FAILED*"])
    result.stdout.fnmatch_lines(
        [
            "*network guard is on because the record mode is 'none' (the llm_config fixture "
            "({'record_mode': 'none'})), so tests may not reach real APIs."
        ]
    )


def test_allowed_hosts_from_every_source_add_up(
    pytester: pytest.Pytester, make_ini: Callable[[str], None]
) -> None:
    make_ini("llm_fakes_allow_hosts = b.example\n")
    pytester.makeconftest(
        CONFTEST
        + "\n@pytest.fixture\ndef llm_config():\n    return {'allow_hosts': ['d.example']}\n"
    )
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.llm_guard(allow_hosts=["c.example"])
        @pytest.mark.parametrize("host", ["a.example", "b.example", "c.example", "d.example"])
        def test_host(dns, port, host):
            assert httpx.get(f"http://{host}:{port}/").text == "ok"
        """
    )
    pytester.runpytest("--llm-allow-hosts=a.example").assert_outcomes(passed=4)
