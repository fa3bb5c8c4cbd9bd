"""Run properties against factories with hypothesis, and collect one verdict per pair.

Each property runs as a hypothesis test: a fresh backend and a fresh provider per example, under
virtual time (:mod:`~llm_fakes.contract.virtual_time`) unless turned off, with what the provider
prints or logs captured (:mod:`~llm_fakes.contract._capture`). When a property fails, hypothesis
shrinks each distinct failure (told apart by the check's ``key``, or where it raised) to its own
minimal counter-example; the verdict keeps up to three, each with its message, its example (as
text) and the provider's output in that example, and links causes across properties.

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
import gc
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llm_fakes.clock import VirtualClock
from llm_fakes.contract._capture import captured, excerpt, output_so_far, shorten
from llm_fakes.contract._hypothesis_ready import start_hypothesis
from llm_fakes.contract._limits import (
    EXAMPLE_TIMEOUT,
    ExampleClock,
    ExampleTimeout,
    check_timeout,
    children,
    fork_count,
    leave_if_forked,
    reap_forks,
)
from llm_fakes.contract._support import AskedInPrompt, Context, Deviation, raised_cause
from llm_fakes.contract.backend import BackendSession, ConformanceBackend
from llm_fakes.contract.cases import Case
from llm_fakes.contract.factory import ProviderFactory, as_factory
from llm_fakes.contract.properties import Property, select
from llm_fakes.contract.verdicts import (
    MAX_FAILURES,
    PROMPT_ONLY,
    Failure,
    Report,
    Verdict,
    link_causes,
)
from llm_fakes.contract.virtual_time import virtual_time
from llm_fakes.errors import ContractViolation, UsageError

__all__ = [
    "EXAMPLE_TIMEOUT",
    "PROFILES",
    "Failure",
    "Profile",
    "Report",
    "Verdict",
    "run_conformance",
    "run_property",
]


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


#: Searches per failing property: the first, and one looking past what the first found.
SEARCH_PASSES = 2

#: A failure message is cut to this many lines of at most this many characters.
MESSAGE_LINES = 40
MESSAGE_WIDTH = 500


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, ContractViolation):
        text = str(exc)
    elif type(exc).__name__ in ("Flaky", "FlakyFailure", "FlakyReplay"):
        inner = getattr(exc, "exceptions", ())
        detail = "; ".join(_describe_error(e) for e in inner) or str(exc)
        text = f"flaky: failed on an example, then passed when it was replayed: {detail}"
    else:
        text = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"
    # A check's own message already cuts the provider's values (``short``): cutting its lines
    # again would cut the explanation at their end. Anything else is cut here.
    width = 10 * MESSAGE_WIDTH if isinstance(exc, ContractViolation) else MESSAGE_WIDTH
    lines = [shorten(line, width) for line in text.splitlines()[:MESSAGE_LINES]]
    if len(text.splitlines()) > MESSAGE_LINES:
        lines.append(f"... {len(text.splitlines()) - MESSAGE_LINES} more line(s)")
    return "\n".join(lines)


_KEYED: dict[str, type[Deviation]] = {}


def _key_of(exc: BaseException) -> str:
    """The check's key for this failure, or else where it was raised (and its type)."""
    key: str = getattr(exc, "key", "")
    if key:
        return key
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"
    return where if isinstance(exc, ContractViolation) else f"{type(exc).__qualname__}@{where}"


def _keyed(prop: str, exc: ContractViolation) -> Deviation:
    """``exc`` as an instance of a class of its own per distinct failure, which is how
    hypothesis tells failures apart (by type and raise site: this one raises them all)."""
    key = _key_of(exc)
    name = f"{prop}:{key}"
    cls = _KEYED.get(name)
    if cls is None:
        cls = _KEYED[name] = type(f"ContractViolation[{name}]", (Deviation,), {})
    return cls(str(exc), key=key, cause=getattr(exc, "cause", ""))


def _reword(exc: ContractViolation, prefix: str) -> Deviation:
    return Deviation(f"{prefix}: {exc}", key=_key_of(exc), cause=getattr(exc, "cause", ""))


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup) and type(exc).__name__ not in ("FlakyFailure",):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _failures(exc: BaseException, fallback: Case | None) -> list[tuple[str, Failure]]:
    """``(key, failure)`` for each distinct failure hypothesis raised."""
    out = []
    for leaf in _leaves(exc):
        case = getattr(leaf, "_llm_case", None) or fallback
        out.append(
            (
                getattr(leaf, "_llm_key", "") or f"{type(leaf).__qualname__}: {leaf}",
                Failure(
                    _describe_error(leaf),
                    counterexample=case.describe() if case is not None else "",
                    output=excerpt(getattr(leaf, "_llm_output", "")),
                    cause=getattr(leaf, "cause", "") or _raised(leaf),
                ),
            )
        )
    return out


def _raised(exc: BaseException) -> str:
    """The cause of an exception the provider raised where no check looked (the same
    ``TypeError`` breaks every property that calls that method: one cause, linked)."""
    if isinstance(exc, ContractViolation) or type(exc).__name__.startswith("Flaky"):
        return ""
    return raised_cause(exc)


def run_property(
    prop: Property,
    factory: ProviderFactory,
    *,
    session: BackendSession,
    profile: str | Profile = "ci",
    max_examples: int | None = None,
    shrink: bool = True,
    virtual: bool = True,
    example_timeout: float | None = EXAMPLE_TIMEOUT,
    on_example: Callable[[Case], None] | None = None,
) -> Verdict:
    """Run one property against one factory; never raises for a provider's failure.

    ``shrink=False`` reports the first failing example as found (faster, not minimal).
    ``virtual=False`` runs the provider in real time (``--real-time``): its own ``time.sleep``
    and its SDK's backoff really wait; otherwise each example runs under
    :func:`~llm_fakes.contract.virtual_time.virtual_time` on the backend's clock (except the
    real-time examples of C3 and S7).
    ``example_timeout``: seconds one example may take (``None``: no limit); an example that
    runs longer fails the property with "did not return within N s" and the search stops (see
    :mod:`~llm_fakes.contract._limits` for where this can interrupt a provider).
    ``on_example(case)`` is called as each example starts.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings

    missing = [cap for cap in prop.needs(virtual) if not factory.supports(cap)]
    if missing:
        return Verdict(
            prop.id, factory.name, "not supported", message=f"needs {', '.join(missing)}"
        )
    prof = get_profile(profile)
    n = min(prof.max_examples if max_examples is None else max_examples, prop.most or 10**9)
    limit = ExampleClock(check_timeout(example_timeout))
    pid, kids = os.getpid(), children()
    state: dict[str, Any] = {"case": None, "runs": 0, "output": "", "forks": fork_count()}
    # Failures already reported (by key), and what each example did (None: it passed), so a
    # later search pass skips both and hypothesis looks further for another distinct failure.
    known: set[str] = set()
    outcomes: dict[str, str | None] = {}

    def example(case: Case) -> None:
        seen = repr(case)
        if seen in outcomes and (outcomes[seen] is None or outcomes[seen] in known):
            return
        state["case"] = case
        state["runs"] += 1
        outcomes[seen] = None
        backend = ConformanceBackend(case.script, session=session, options=case.backend)
        clock = backend.clock
        timing = (
            virtual_time(clock)
            if virtual and isinstance(clock, VirtualClock)
            else contextlib.nullcontext()
        )
        problem: ContractViolation | None = None
        try:
            with captured() as out, timing:
                try:
                    play(case, backend)
                except ContractViolation as exc:
                    problem = exc
                except AskedInPrompt as exc:
                    state["prompt"] = exc.reason
        except Exception as exc:  # the provider (or its factory) raised where no check looked
            key = _key_of(exc)
            outcomes[seen] = key
            if key in known:
                return
            _attach(exc, case, out.getvalue(), key)
            raise
        if problem is not None:
            # Raised here, outside the except block, so hypothesis keys it by its class alone.
            keyed = _keyed(prop.id, problem)
            outcomes[seen] = keyed.key
            if keyed.key in known:
                return
            _attach(keyed, case, out.getvalue(), keyed.key)
            raise keyed

    def after_fork() -> None:
        # A process the provider forked goes no further; children it left running are killed.
        leave_if_forked(pid)
        if fork_count() != state["forks"]:
            state["forks"] = fork_count()
            reap_forks(kids)

    def play(case: Case, backend: ConformanceBackend) -> None:
        # The limits live here, not in example(): hypothesis seeds its search from example()'s
        # source, so editing it would change which examples every run meets.
        if on_example is not None:
            on_example(case)
        try:
            with limit.example():
                run_checks(case, backend)
        except SystemExit as exc:  # hypothesis would wrap it in a type of its own
            raise RuntimeError(
                f"the provider called sys.exit({exc.code!r}): it should raise an error "
                "instead of ending the process"
            ) from None
        except ExampleTimeout:
            state["output"] = output_so_far()
            raise
        finally:
            after_fork()

    def run_checks(case: Case, backend: ConformanceBackend) -> None:
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
                raise _reword(exc, "while recording") from None
            if replay is not None:
                try:
                    replayed = replay(backend, provider)
                    prop.check(Context(replayed, backend, case, factory))
                except ContractViolation as exc:
                    raise _reword(exc, "on replay") from None
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
        report_multiple_bugs=True,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.reuse, Phase.generate) + ((Phase.shrink,) if shrink else ()),
    )(given(prop.cases(factory))(example))
    start = time.perf_counter()
    # What existed before this pair is frozen out of the collection below, so its cost follows
    # what the pair made, not the size of the process (a large test session's full collection
    # takes a fifth of a second). Not when someone else froze objects: unfreezing would thaw theirs.
    freezing = gc.get_freeze_count() == 0
    if freezing:
        start_hypothesis()  # its first test looks for referrers, which a freeze would hide
        gc.freeze()
    try:
        found, more = _search(test, limit, state, known)
        # Clients a factory made and never closed (their sockets, their pools) go now, not
        # property after property: file descriptors stay flat over a run.
        gc.collect()
    finally:
        if freezing:
            gc.unfreeze()
    seconds = time.perf_counter() - start
    if not found:
        if state.get("prompt"):
            return Verdict(
                prop.id,
                factory.name,
                PROMPT_ONLY,
                message=state["prompt"],
                examples=state["runs"],
                seconds=seconds,
            )
        return Verdict(prop.id, factory.name, "pass", examples=state["runs"], seconds=seconds)
    verdict = Verdict(
        prop.id,
        factory.name,
        "FAIL",
        message=found[0].message,
        counterexample=found[0].counterexample,
        examples=state["runs"],
        seconds=seconds,
        failures=tuple(found),
        more_failures=more,
    )
    return link_causes(verdict, session.causes)


def _search(
    test: Callable[[], None], limit: ExampleClock, state: dict[str, Any], known: set[str]
) -> tuple[list[Failure], int]:
    """Run ``test`` (the property under hypothesis) and return the failures found, at most
    :data:`MAX_FAILURES`, and how many more there were.

    Hypothesis stops looking soon after its first failure; a second pass looks past the failures
    already found (each pass may find several), unless enough are kept already.
    """
    found: list[Failure] = []
    more = 0
    for _ in range(SEARCH_PASSES):
        if len(found) >= MAX_FAILURES:
            break
        try:
            with limit:
                test()
        except ExampleTimeout as exc:
            found = [_timed_out(exc, state), *found][:MAX_FAILURES]
            break
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # also SystemExit: a provider that called sys.exit()
            new = [(k, f) for k, f in _failures(exc, state["case"]) if k not in known]
            if not new:
                break
            known.update(k for k, _ in new)
            room = MAX_FAILURES - len(found)
            found += [f for _, f in new[:room]]
            more = max(0, len(new) - room)
            continue
        break
    return found, more


def _timed_out(exc: ExampleTimeout, state: dict[str, Any]) -> Failure:
    case: Case | None = state["case"]
    return Failure(
        f"the example {exc}: the provider hangs or loops (interrupted there). If it is only "
        "slow, raise the limit: --example-timeout SECONDS, or example_timeout= in the API.",
        counterexample=case.describe() if case is not None else "",
        output=excerpt(state["output"]),
    )


def _attach(exc: BaseException, case: Case, output: str, key: str) -> None:
    """Keep the example, its output and its key on the exception: hypothesis hands back, for
    each distinct failure, the exception its minimal example raised."""
    with contextlib.suppress(AttributeError, TypeError):
        exc._llm_case = case  # type: ignore[attr-defined]
        exc._llm_output = output  # type: ignore[attr-defined]
        exc._llm_key = key  # type: ignore[attr-defined]


def run_conformance(
    factories: Iterable[Any],
    *,
    only: str | None = None,
    profile: str | Profile = "ci",
    max_examples: int | Mapping[str, int] | None = None,
    shrink: bool = True,
    progress: Callable[[Verdict, int, int], None] | None = None,
    virtual: bool = True,
    jobs: int = 1,
    example_timeout: float | None = EXAMPLE_TIMEOUT,
    isolate: bool = False,
) -> Report:
    """Run the selected properties (``only="C1,S"``; all by default) against every factory.

    ``max_examples`` overrides the profile's count, for every property or per property id.
    ``virtual=False`` runs the providers in real time (see :func:`run_property`).
    ``progress(verdict, done, total)`` is called after each verdict, in the run's order.
    ``jobs=N`` spreads the (backend, property) pairs over N worker processes (forked); the
    verdicts are the same as a serial run's.
    ``example_timeout``: seconds one example may take (``None``: no limit; see
    :func:`run_property`).
    ``isolate=True`` runs the pairs in a worker process even with ``jobs=1`` (as ``jobs > 1``
    always does; where fork is available), so a provider that exits the process, is killed,
    or hangs where a signal cannot reach it fails only the property it was running. The
    ``llm-fakes conformance`` command always isolates.
    """
    facts: Sequence[ProviderFactory] = [as_factory(f) for f in factories]
    props = select(only)
    prof = get_profile(profile)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise UsageError(f"jobs must be an int >= 1, got {jobs!r}; e.g. --jobs 2.")
    example_timeout = check_timeout(example_timeout)
    report = Report(prof.name, [f.name for f in facts], props)
    units = [
        (f, p, max_examples.get(p.id) if isinstance(max_examples, Mapping) else max_examples)
        for f in facts
        for p in props
    ]
    kw: dict[str, Any] = {
        "profile": prof,
        "shrink": shrink,
        "virtual": virtual,
        "example_timeout": example_timeout,
    }
    start = time.perf_counter()
    from llm_fakes.contract._parallel import can_fork, run_parallel

    if (jobs > 1 and len(units) > 1) or (isolate and units and can_fork()):
        report.verdicts = run_parallel(units, jobs=min(jobs, len(units)), progress=progress, **kw)
    else:
        with BackendSession() as session:
            for factory, prop, n in units:
                verdict = run_property(prop, factory, session=session, max_examples=n, **kw)
                report.verdicts.append(verdict)
                if progress is not None:
                    progress(verdict, len(report.verdicts), len(units))
    for factory in facts:
        close = getattr(factory, "close", None)
        if close is not None:
            close()
    report.seconds = time.perf_counter() - start
    return report
