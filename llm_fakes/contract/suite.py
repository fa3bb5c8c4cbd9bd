"""The pytest front end: subclass :class:`ProviderContract`, provide ``provider_factory``.

Every property becomes its own test (``test_C1_complete_returns_the_backend_reply`` ...
``test_R6_...``), so ``-k S6`` runs one and a failure names its property. A property the
provider does not support is *skipped* with "not supported" (never a silent pass); a failing
one reports the minimal counter-example hypothesis found. Tests are plain functions that run
their own event loops: no ``asyncio_mode`` or async plugin setting is needed.

Example:
    A test module in your project::

        import pytest
        from llm_fakes.contract import ProviderContract, ProviderFactory

        class TestMyProvider(ProviderContract):
            @pytest.fixture
            def provider_factory(self):
                return ProviderFactory(lambda backend: MyProvider(backend.scripted))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from llm_fakes.contract.factory import ProviderFactory, as_factory
from llm_fakes.contract.properties import PROPERTIES, Property
from llm_fakes.contract.runner import Verdict, run_property
from llm_fakes.errors import UsageError

__all__ = ["ProviderContract"]


class ProviderContract:
    """Base class of a provider's conformance tests (docs/contract.md: C1–R6, one test each).

    Attributes:
        profile: ``"ci"`` or ``"thorough"``; ``None`` uses ``--llm-conformance-profile`` or the
            ``llm_fakes_conformance_profile`` ini key (default ``ci``).
        max_examples: Examples per property, overriding the profile.
        real_time: ``True`` runs the provider in real time (its ``time.sleep`` and its SDK's
            backoff really wait); ``None`` (default) uses ``--llm-conformance-real-time``, off
            unless given: each example runs under virtual time
            (:mod:`llm_fakes.contract.virtual_time`).
    """

    profile: str | None = None
    max_examples: int | None = None
    real_time: bool | None = None

    @pytest.fixture
    def provider_factory(self) -> Any:
        """Override: return a ``ProviderFactory`` (or a callable(backend) -> provider)."""
        raise UsageError(
            f"{type(self).__name__} subclasses ProviderContract but does not provide the "
            "provider_factory fixture. Add to the class:\n"
            "    @pytest.fixture\n"
            "    def provider_factory(self):\n"
            "        return ProviderFactory(lambda backend: MyProvider(...), capabilities=[...])"
        )

    def _check(self, prop: Property, factory: Any, session: Any, config: pytest.Config) -> None:
        named = isinstance(factory, ProviderFactory) and factory.named
        wrapped = as_factory(factory, name=None if named else type(self).__name__)
        profile = (
            self.profile
            or config.getoption("--llm-conformance-profile", default=None)
            or config.getini("llm_fakes_conformance_profile")
            or "ci"
        )
        real_time = self.real_time
        if real_time is None:
            real_time = bool(config.getoption("--llm-conformance-real-time", default=False))
        verdict = run_property(
            prop,
            wrapped,
            session=session,
            profile=profile,
            max_examples=self.max_examples,
            virtual=not real_time,
        )
        if verdict.status in ("not supported", "prompt only"):
            pytest.skip(f"{verdict.status}: {prop.id} {verdict.message}")
        if verdict.status == "FAIL":
            pytest.fail(_failure_report(prop, wrapped.name, verdict), pytrace=False)


def _failure_report(prop: Property, name: str, verdict: Verdict) -> str:
    """The first failure as before (message, then its minimal counter-example), then any other
    distinct failures and linked causes as the CLI prints them; secrets scrubbed (it reaches
    the terminal and pytest's report files)."""
    from llm_fakes._scrub import scrub_text
    from llm_fakes.contract.report import failure_lines

    first, *rest = verdict.all_failures()
    text = f"{prop.id} ({prop.title}) FAILS for {name}:\n"
    if first.same_cause_as:
        text += f"same cause as {first.same_cause_as}: {first.cause}\n"
    text += (
        f"{first.message}\n\nMinimal counter-example ({verdict.examples} examples run):\n"
        f"{first.counterexample}"
    )
    if first.output:
        text += "\n\nThe provider printed / logged in that example:\n" + first.output
    if rest or verdict.more_failures:
        text += "\n\nOther distinct failures:\n" + "\n".join(failure_lines(verdict, skip=1))
    return scrub_text(text)


def _make_test(prop: Property) -> Callable[..., None]:
    def test(
        self: ProviderContract,
        provider_factory: Any,
        llm_conformance_session: Any,
        request: pytest.FixtureRequest,
    ) -> None:
        self._check(prop, provider_factory, llm_conformance_session, request.config)

    test.__name__ = f"test_{prop.id}_{prop.name}"
    test.__qualname__ = f"ProviderContract.{test.__name__}"
    test.__doc__ = f"{prop.id}: {prop.title}."
    return test


for _prop in PROPERTIES.values():
    setattr(ProviderContract, f"test_{_prop.id}_{_prop.name}", _make_test(_prop))
del _prop
