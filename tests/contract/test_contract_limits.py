"""A bounded conformance run: a provider that hangs, spins, exits, is killed or forks costs the
property it was running, and the run goes on to the others and prints one report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from llm_fakes.cli import main
from llm_fakes.contract import ProviderFactory, run_conformance

# Each provider misbehaves in complete() only: C1 meets it, S1 (stream() alone) does not.
PROVIDERS = """
import os
import signal
import sys
import threading
import time

from llm_fakes.contract import ProviderFactory


class Misbehaves:
    def __init__(self, inner, trap):
        self.inner, self.trap = inner, trap

    def complete(self, *args, **kwargs):
        self.trap()
        return self.inner.complete(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def spin():
    while True:
        pass


def wait_forever():
    threading.Event().wait()


def deaf_spin():  # SIGALRM blocked: the interruption never arrives
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    spin()


def exits():
    os._exit(3)


def killed():
    os.kill(os.getpid(), signal.SIGKILL)


def forks():
    if os.fork() == 0:
        return  # this child goes back into the run, as the parent does
    lingering = os.fork()
    if lingering == 0:  # this one lingers, as a forked helper would
        time.sleep(60)
        os._exit(0)
    with open(os.environ["FORKED_PIDS"], "a") as f:
        f.write(f"{lingering}\\n")


def make(trap):
    return ProviderFactory(
        lambda backend: Misbehaves(backend.scripted, trap), name=trap.__name__,
        capabilities=["streaming"],
    )


spins, waits, deaf, exit3, kill9, fork = (
    make(t) for t in (spin, wait_forever, deaf_spin, exits, killed, forks)
)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "misbehaving.py").write_text(PROVIDERS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _results(out: str) -> dict[str, dict[str, Any]]:
    return {r["property"]: r for r in json.loads(out)["results"]}


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("provider", ["spins", "waits"])
def test_a_hanging_or_spinning_provider_fails_that_property_and_the_run_goes_on(
    project: Path, capsys: pytest.CaptureFixture[str], provider: str, jobs: str
) -> None:
    start = time.monotonic()
    code = main(
        [
            "conformance",
            f"misbehaving:{provider}",
            "--only",
            "C1,S1",
            "--max-examples",
            "3",
            "--example-timeout",
            "0.5",
            "--jobs",
            jobs,
            "--json",
            "-",
            "-q",
        ]
    )
    results = _results(capsys.readouterr().out)
    assert code == 1
    assert results["C1"]["verdict"] == "FAIL"
    assert results["C1"]["message"].startswith("the example did not return within 0.5 s")
    assert "--example-timeout" in results["C1"]["message"]
    assert "request: messages=" in results["C1"]["counterexample"]
    assert results["S1"]["verdict"] == "pass"
    assert time.monotonic() - start < 60  # bounded (it never returned before)


def test_a_provider_deaf_to_the_interruption_is_killed_after_the_grace_period(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm_fakes.contract import _parallel

    monkeypatch.setattr(_parallel, "GRACE", 0.5)
    args = ["conformance", "misbehaving:deaf", "--only", "C1,S1", "--max-examples", "3"]
    code = main([*args, "--example-timeout", "2", "--json", "-", "-q"])
    results = _results(capsys.readouterr().out)
    assert code == 1
    message = results["C1"]["message"]
    assert message.startswith("the example did not return within 2 s, and did not stop when ")
    assert "its worker process was killed after 4 s" in message
    assert "request: messages=" in results["C1"]["counterexample"]
    assert results["S1"]["verdict"] == "pass"


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    ("provider", "said"),
    [
        ("exit3", "the worker process running this example exited with status 3"),
        ("kill9", "the worker process running this example was killed by SIGKILL"),
    ],
)
def test_a_provider_that_ends_its_process_fails_the_property_it_was_running(
    project: Path, capsys: pytest.CaptureFixture[str], provider: str, said: str, jobs: str
) -> None:
    args = ["conformance", f"misbehaving:{provider}", "--only", "C1,S1", "--max-examples", "3"]
    code = main([*args, "--jobs", jobs, "--json", "-"])
    out, err = capsys.readouterr()
    results = _results(out)
    assert code == 1
    assert results["C1"]["verdict"] == "FAIL"
    assert results["C1"]["message"].startswith(said)
    assert "request: messages=" in results["C1"]["counterexample"]
    assert results["S1"]["verdict"] == "pass"
    assert "Traceback" not in err and "BrokenProcessPool" not in err


def test_a_provider_that_forks_gets_one_report_and_no_process_left_behind(
    project: Path,
) -> None:
    pids = project / "pids.txt"
    command = ["conformance", "misbehaving:fork", "--only", "C1,S1", "--max-examples", "3"]
    run = subprocess.run(
        [sys.executable, "-m", "llm_fakes.cli", *command],
        capture_output=True,
        text=True,
        env={**os.environ, "FORKED_PIDS": str(pids), "PYTHONPATH": str(project)},
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("2 pass, 0 FAIL") == 1, run.stdout
    forked = [int(line) for line in pids.read_text().split()]
    assert forked  # the provider did fork
    for pid in forked:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_in_process_an_example_past_its_limit_fails_with_its_example() -> None:
    def spin() -> None:
        while True:
            pass

    class Spins:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def complete(self, *args: Any, **kwargs: Any) -> Any:
            spin()

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    factory = ProviderFactory(lambda b: Spins(b.scripted), name="spins")
    start = time.monotonic()
    (c1,) = run_conformance([factory], only="C1", max_examples=3, example_timeout=0.3).verdicts
    assert c1.status == "FAIL"
    assert c1.message.startswith("the example did not return within 0.3 s")
    assert "request: messages=" in c1.counterexample
    assert time.monotonic() - start < 60  # bounded (it never returned before)


def test_a_provider_that_calls_sys_exit_fails_its_property_and_the_run_goes_on() -> None:
    class Exits:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def complete(self, *args: Any, **kwargs: Any) -> Any:
            sys.exit("bye")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    factory = ProviderFactory(lambda b: Exits(b.scripted), name="exits", capabilities=["streaming"])
    report = run_conformance([factory], only="C1,S1", max_examples=3)
    assert [v.status for v in report.verdicts] == ["FAIL", "pass"]
    assert report.verdicts[0].message.startswith(
        "builtins.RuntimeError: the provider called sys.exit('bye'): it should raise an error"
    )


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "soon"])
def test_the_example_timeout_must_be_a_positive_finite_number(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["conformance", "--example-timeout", value])
    assert exit_.value.code == 2
    assert "not a positive, finite number of seconds" in capsys.readouterr().err
    with pytest.raises(Exception, match="example_timeout must be a positive, finite number"):
        run_conformance([], example_timeout=float(value) if value != "soon" else -1)


def test_an_outer_alarm_is_paused_during_the_run_and_resumed_after() -> None:
    import signal

    from llm_fakes.contract._limits import ExampleClock

    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        with ExampleClock(5.0) as clock, clock.example():
            pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 25 < left <= 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert fired == []
