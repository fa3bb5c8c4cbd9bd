"""Hypothesis's first test in a process, run before the runner freezes what exists.

On its first test in a process, hypothesis registers its own PRNG and checks with
``gc.get_referrers()`` that something holds it. Objects frozen by ``gc.freeze()`` are invisible to
``get_referrers``: where the PRNG's holder is an old module global (hypothesis 6.100, the lowest
declared), a first test run under the runner's freeze finds nothing, warns ``HypothesisWarning``,
and under ``-W error`` (pytest's ``filterwarnings = error``) that warning fails the first example,
which then passes on replay: a "flaky" verdict that says nothing about the provider.
:func:`start_hypothesis` runs that first test, once per process, before anything is frozen.
"""

from __future__ import annotations

import functools

__all__ = ["start_hypothesis"]


@functools.cache
def start_hypothesis() -> None:
    """Run one trivial hypothesis test (once per process; later calls return at once).

    Example:
        >>> start_hypothesis()
        >>> start_hypothesis.cache_info().currsize
        1
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    @settings(
        max_examples=1,
        derandomize=True,  # draws nothing from hypothesis's own PRNG
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.none())
    def first(_: None) -> None:
        pass

    first()
