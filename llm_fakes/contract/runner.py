"""Run properties against factories with hypothesis, and collect one verdict per pair.

Each property runs as a hypothesis test: a fresh backend and a fresh provider per example. When
a property fails, hypothesis shrinks the example; the last example it replays is the minimal
counter-example, which the verdict keeps (as text) with the failure message.

Profiles (``ci``: seeded and bounded; ``thorough``: random and long) set the example counts; both
front ends (the ``llm-fakes conformance`` command and the pytest base class) take a profile name.

Example:
    >>> from llm_fakes.contract.builtins import scripted_factory
    >>> report = run_conformance([scripted_factory()], only="C1", max_examples=3)
    >>> [(v.property, v.backend, v.status) for v in report.verdicts]
    [('C1', 'ScriptedProvider', 'pass')]
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from llm_fakes.clock import VirtualClock
from llm_fakes.contract._support import Context
from llm_fakes.contract.backend import BackendSession, ConformanceBackend
from llm_fakes.contract.cases import Case
from llm_fakes.contract.factory import ProviderFactory, as_factory
from llm_fakes.contract.properties import Property, select
from llm_fakes.contract.virtual_time import virtual_time
from llm_fakes.errors import ContractViolation, UsageError

__all__ = ["PROFILES", "Profile", "Report", "Verdict", "run_conformance", "run_property"]

Status = Literal["pass", "FAIL", "not supported"]


@dataclass(frozen=True)
class Profile:
    """How hard to look: examples per property and whether the search is seeded."""

    name: str
    max_examples: int
    derandomize: bool


#: ``ci``: the same examples on every run, bounded so one backend takes seconds;
#: ``thorough``: fresh random examples, twelve times as many.
PROFILES: dict[str, Profile] = {
    "ci": Profile("ci", max_examples=25, derandomize=True),
    "thorough": Profile("thorough", max_examples=300, derandomize=False),
}


def get_profile(name: str | Profile) -> Profile:
    """A profile by name (``"ci"`` or ``"thorough"``)."""
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(
            f"Unknown conformance profile {name!r}. Profiles are {sorted(PROFILES)!r}: pick "
            "one with --profile (llm-fakes conformance), or --llm-conformance-profile / the "
            "llm_fakes_conformance_profile ini key (pytest)."
        ) from None


@dataclass(frozen=True)
class Verdict:
    """The outcome of one property for one backend.

    Attributes:
        property: The property id.
        backend: The factory's name.
        status: ``"pass"``, ``"FAIL"`` or ``"not supported"``.
        message: Why it failed (or which capability it needs).
        counterexample: The minimal failing example, readable.
        examples: Examples run.
        seconds: Wall time spent.
    """

    property: str
    backend: str
    status: Status
    message: str = ""
    counterexample: str = ""
    examples: int = 0
    seconds: float = 0.0


@dataclass
class Report:
    """Every verdict of a run, in (backend, property) order."""

    profile: str
    backends: list[str]
    properties: list[Property]
    verdicts: list[Verdict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[Verdict]:
        """The failing verdicts."""
        return [v for v in self.verdicts if v.status == "FAIL"]

    @property
    def ok(self) -> bool:
        """Whether nothing failed."""
        return not self.failures

    def verdict(self, prop: str, backend: str) -> Verdict:
        """The verdict for one cell of the matrix."""
        for v in self.verdicts:
            if v.property == prop and v.backend == backend:
                return v
        raise KeyError((prop, backend))


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, ContractViolation):
        return str(exc)
    if type(exc).__name__ in ("Flaky", "FlakyFailure", "FlakyReplay"):
        inner = getattr(exc, "exceptions", ())
        detail = "; ".join(_describe_error(e) for e in inner) or str(exc)
        return f"flaky: failed on an example, then passed when it was replayed: {detail}"
    return f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"


def run_property(
    prop: Property,
    factory: ProviderFactory,
    *,
    session: BackendSession,
    profile: str | Profile = "ci",
    max_examples: int | None = None,
    shrink: bool = True,
    virtual: bool = True,
) -> Verdict:
    """Run one property against one factory; never raises for a provider's failure.

    ``shrink=False`` reports the first failing example as found (faster, not minimal).
    ``virtual=False`` runs the provider in real time (``--real-time``): its own ``time.sleep``
    and its SDK's backoff really wait; otherwise each example runs under
    :func:`~llm_fakes.contract.virtual_time.virtual_time` on the backend's clock (except the
    real-time examples of C3 and S7).
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings

    missing = [cap for cap in prop.requires if not factory.supports(cap)]
    if missing:
        return Verdict(
            prop.id, factory.name, "not supported", message=f"needs {', '.join(missing)}"
        )
    prof = get_profile(profile)
    n = min(prof.max_examples if max_examples is None else max_examples, prop.most or 10**9)
    state: dict[str, Any] = {"case": None, "runs": 0}

    def example(case: Case) -> None:
        state["case"] = case
        state["runs"] += 1
        backend = ConformanceBackend(case.script, session=session, options=case.backend)
        clock = backend.clock
        timing = (
            virtual_time(clock)
            if virtual and isinstance(clock, VirtualClock)
            else contextlib.nullcontext()
        )
        with timing:
            play(case, backend)

    def play(case: Case, backend: ConformanceBackend) -> None:
        try:
            provider = factory(backend)
            if factory.teardown is not None:
                teardown = factory.teardown
                backend.add_cleanup(lambda: teardown(provider))
            replay = getattr(factory, "replay", None)
            try:
                prop.check(Context(provider, backend, case, factory))
            except ContractViolation as exc:
                if replay is None:
                    raise
                raise ContractViolation(f"while recording: {exc}") from None
            if replay is not None:
                try:
                    replayed = replay(backend, provider)
                    prop.check(Context(replayed, backend, case, factory))
                except ContractViolation as exc:
                    raise ContractViolation(f"on replay: {exc}") from None
        finally:
            backend.close()

    # Under derandomize, a seed per property (hypothesis hashes this in): every backend with the
    # same capabilities meets the same examples, whatever its name.
    example._hypothesis_internal_add_digest = prop.id.encode()  # type: ignore[attr-defined]
    test = settings(
        max_examples=n,
        derandomize=prof.derandomize,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.reuse, Phase.generate) + ((Phase.shrink,) if shrink else ()),
    )(given(prop.cases(factory))(example))
    start = time.perf_counter()
    try:
        test()
    except Exception as exc:
        case = state["case"]
        return Verdict(
            prop.id,
            factory.name,
            "FAIL",
            message=_describe_error(exc),
            counterexample=case.describe() if case is not None else "",
            examples=state["runs"],
            seconds=time.perf_counter() - start,
        )
    return Verdict(
        prop.id, factory.name, "pass", examples=state["runs"], seconds=time.perf_counter() - start
    )


def run_conformance(
    factories: Iterable[Any],
    *,
    only: str | None = None,
    profile: str | Profile = "ci",
    max_examples: int | Mapping[str, int] | None = None,
    shrink: bool = True,
    progress: Callable[[Verdict, int, int], None] | None = None,
    virtual: bool = True,
) -> Report:
    """Run the selected properties (``only="C1,S"``; all by default) against every factory.

    ``max_examples`` overrides the profile's count, for every property or per property id.
    ``virtual=False`` runs the providers in real time (see :func:`run_property`).
    ``progress(verdict, done, total)`` is called after each verdict.
    """
    facts: Sequence[ProviderFactory] = [as_factory(f) for f in factories]
    props = select(only)
    prof = get_profile(profile)
    report = Report(prof.name, [f.name for f in facts], props)
    total = len(facts) * len(props)
    start = time.perf_counter()
    with BackendSession() as session:
        for factory in facts:
            for prop in props:
                n = max_examples.get(prop.id) if isinstance(max_examples, Mapping) else max_examples
                verdict = run_property(
                    prop,
                    factory,
                    session=session,
                    profile=prof,
                    max_examples=n,
                    shrink=shrink,
                    virtual=virtual,
                )
                report.verdicts.append(verdict)
                if progress is not None:
                    progress(verdict, len(report.verdicts), total)
    for factory in facts:
        close = getattr(factory, "close", None)
        if close is not None:
            close()
    report.seconds = time.perf_counter() - start
    return report
