"""Declaring a provider under test: ProviderFactory, capabilities, teardown, module:attribute."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llm_fakes.contract.factory import ProviderFactory, as_factory, load_factory
from llm_fakes.contract.runner import run_conformance
from llm_fakes.errors import UsageError


def scripted(backend: Any) -> Any:
    return backend.scripted


def test_an_unknown_capability_is_refused_with_the_list_of_known_ones() -> None:
    with pytest.raises(UsageError) as err:
        ProviderFactory(scripted, capabilities=["tools", "vision"])
    assert str(err.value) == (
        "Unknown capability ['vision'] for "
        f"{scripted!r}. Capabilities are ['clock', 'json_mode', 'json_schema', 'retries', "
        "'send_tools', 'stream_tool_calls', 'streaming', 'tool_calls'] ('tools' stands for "
        "['send_tools', 'stream_tool_calls', 'tool_calls']); pass a list of them, e.g. "
        "capabilities=['tools', 'streaming']."
    )


def test_a_single_string_is_not_taken_for_a_list_of_letters() -> None:
    with pytest.raises(UsageError) as err:
        ProviderFactory(scripted, capabilities="tools")
    assert str(err.value) == (
        f"capabilities= takes a list of names, got the string 'tools' for {scripted!r}. "
        "Write capabilities=['tools']."
    )


def test_a_factory_must_be_callable() -> None:
    with pytest.raises(UsageError) as err:
        ProviderFactory("backend.scripted")  # type: ignore[arg-type]
    assert str(err.value) == (
        "ProviderFactory takes a callable(backend) -> provider, got 'backend.scripted'. "
        "Pass a function or a class whose constructor takes the backend."
    )


def test_a_plain_callable_may_carry_its_capabilities() -> None:
    def build(backend: Any) -> Any:
        return backend.scripted

    build.capabilities = ["streaming"]  # type: ignore[attr-defined]
    factory = as_factory(build)
    assert (factory.name, sorted(factory.capabilities)) == ("build", ["streaming"])
    report = run_conformance([factory], only="S1,S5,R1", max_examples=2)
    assert [v.status for v in report.verdicts] == ["pass", "not supported", "not supported"]
    assert [v.message for v in report.verdicts[1:]] == ["needs stream_tool_calls", "needs retries"]


def test_teardown_runs_once_per_example_with_the_provider_it_built() -> None:
    built: list[Any] = []
    torn: list[Any] = []

    def build(backend: Any) -> Any:
        built.append(backend.scripted)
        return backend.scripted

    factory = ProviderFactory(build, teardown=torn.append)
    run_conformance([factory], only="C2", max_examples=3)
    assert len(built) == 3 and torn == built


def test_a_module_that_cannot_be_imported_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as err:
        load_factory("no_such_module_here:factory")
    assert str(err.value) == (
        "Cannot import module 'no_such_module_here' for the factory "
        "'no_such_module_here:factory': No module named 'no_such_module_here'. Run from the "
        "directory that holds it, or install it."
    )


def test_an_attribute_that_is_not_callable_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings_mod.py").write_text("factory = 42\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(UsageError) as err:
        load_factory("settings_mod:factory")
    assert str(err.value) == (
        "'settings_mod:factory' is 42, not a callable(backend) -> provider. Point at a function "
        "or a ProviderFactory."
    )


PROVIDER_CLASS = """\
class MyProvider:
    def __init__(self, model="m", api_key=None):
        self.model = model

    def complete(self, messages, **kwargs):
        raise RuntimeError("Missing credentials")


class Built:
    def __init__(self, backend):
        self.inner = backend.scripted

    def complete(self, messages, **kwargs):
        return self.inner.complete(messages, **kwargs)


def make(backend):
    return backend.scripted


class OnSDK:
    def __init__(self, base_url, model="m"):
        self.base_url = base_url

    def complete(self, messages, **kwargs):
        raise RuntimeError("not called")
"""


@pytest.fixture
def provider_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pkg_h23").mkdir()
    (tmp_path / "pkg_h23" / "__init__.py").write_text("")
    (tmp_path / "pkg_h23" / "prov_mod.py").write_text(PROVIDER_CLASS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_provider_class_is_not_taken_for_a_factory(provider_module: Path) -> None:
    """It would be called with the backend as its model, and fail C1 with the SDK's words."""
    with pytest.raises(UsageError) as err:
        load_factory("pkg_h23.prov_mod:MyProvider")
    assert str(err.value) == (
        "'pkg_h23.prov_mod:MyProvider' is a provider class; the suite needs a factory: a "
        "function that takes the backend and returns the provider wired to it. Write one, e.g.\n"
        "\n"
        "    def make_provider(backend):\n"
        "        # wire it to backend.scripted (a provider to wrap), or to\n"
        "        # backend.openai_base_url / backend.anthropic_base_url (its SDK's base_url)\n"
        "        return MyProvider(...)\n"
        "\n"
        "and run: llm-fakes conformance pkg_h23.prov_mod:make_provider"
    )


def test_the_factory_to_write_fits_the_class_constructor(provider_module: Path) -> None:
    """MyProvider takes no base_url: the example used to pass one anyway, so the factory the
    message told the user to write failed with a TypeError of its own."""
    with pytest.raises(UsageError) as err:
        load_factory("pkg_h23.prov_mod:MyProvider")
    assert "base_url=" not in str(err.value)
    with pytest.raises(UsageError) as err:
        load_factory("pkg_h23.prov_mod:OnSDK")
    assert "        return OnSDK(base_url=backend.openai_base_url)\n" in str(err.value)


def test_a_class_whose_constructor_takes_the_backend_is_a_factory(
    provider_module: Path,
) -> None:
    assert load_factory("pkg_h23.prov_mod:Built").name == "pkg_h23.prov_mod:Built"


def test_a_file_path_is_read_as_its_module(provider_module: Path) -> None:
    factory = load_factory("pkg_h23/prov_mod.py:make")
    assert factory.name == "pkg_h23.prov_mod:make"


def test_a_file_path_that_does_not_exist_says_what_to_write(provider_module: Path) -> None:
    with pytest.raises(UsageError) as err:
        load_factory("pkg_h23/nope.py:make")
    assert str(err.value) == (
        "Cannot read the factory 'pkg_h23/nope.py:make': there is no file 'pkg_h23/nope.py'. "
        "Write the module's dotted name, as for python -m: 'pkg_h23.nope:make', run from the "
        "folder that holds 'pkg_h23'."
    )


def test_a_file_path_outside_the_current_folder_says_what_to_write(
    provider_module: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "far_mod.py"
    elsewhere.write_text("def make(backend):\n    return backend.scripted\n")
    with pytest.raises(UsageError) as err:
        load_factory(f"{elsewhere}:make")
    assert str(err.value) == (
        f"Cannot read the factory '{elsewhere}:make': the file is outside the current folder "
        f"({str(provider_module)!r}). Run from the folder that holds it and write its dotted "
        "name: 'far_mod:make'."
    )
