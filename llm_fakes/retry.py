"""One retry policy, shared by the scripted fake and the HTTP providers (contract R1–R6).

* **Transient** (retried): any :class:`~llm_fakes.errors.ProviderError` whose ``retryable`` is
  true: rate limit 429, overloaded 529, 500/502/503/504, connection error, timeout, empty response.
  **Permanent** (raised at once): 400/401/403/404/422 and other non-retryable errors.
* ``max_retries=m`` allows at most ``m`` retries, so at most ``m + 1`` attempts; ``None`` means
  :attr:`RetryPolicy.default_max_retries`; ``0`` means exactly one attempt.
* **One budget, documented** (R6): all transient kinds draw on the same ``max_retries`` budget.
  A call that meets a 429 and then a 503 has used two retries, never two separate budgets.
* The wait before retry ``n`` (0-based) is the server's ``retry_after`` when given, else
  ``base_delay * 2**n`` scaled by a jitter factor in ``[1 - jitter, 1]``; either way capped at
  ``max_delay`` seconds. Waits happen on an injectable :class:`~llm_fakes.clock.Clock`.

Example:
    >>> from llm_fakes.errors import RateLimitError
    >>> RetryPolicy(jitter=0).delay(RateLimitError(retry_after=3.0), 0)
    3.0
    >>> RetryPolicy(jitter=0, base_delay=1, max_delay=5).delay(RateLimitError(), 4)
    5.0
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from llm_fakes.clock import Clock, RealClock
from llm_fakes.errors import ProviderError, kit_error

__all__ = ["RetryPolicy", "retry_async", "retry_sync"]

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How transient failures are retried.

    Attributes:
        default_max_retries: Retries when a call passes ``max_retries=None``.
        base_delay: First backoff, in seconds, before jitter.
        max_delay: The cap on any single wait, ``Retry-After`` included.
        jitter: Fraction of the backoff that is randomised (0 disables jitter).
        rng: Source of jitter in ``[0, 1)``; inject a seeded one for reproducible waits.
    """

    default_max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 60.0
    jitter: float = 0.25
    rng: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def retries_for(self, max_retries: int | None) -> int:
        """The retry budget for one call."""
        if max_retries is None:
            return self.default_max_retries
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0 or None, got {max_retries!r}")
        return max_retries

    @staticmethod
    def is_transient(error: BaseException) -> bool:
        """Whether ``error`` may be retried."""
        return isinstance(error, ProviderError) and error.retryable

    def delay(self, error: BaseException, retry_index: int) -> float:
        """Seconds to wait before retry number ``retry_index`` (0-based)."""
        retry_after = getattr(error, "retry_after", None)
        if isinstance(retry_after, int | float) and retry_after >= 0:
            return float(min(retry_after, self.max_delay))
        backoff = self.base_delay * (2**retry_index)
        if self.jitter:
            backoff *= 1.0 - self.jitter * self.rng()
        return float(min(backoff, self.max_delay))


def retry_sync(
    attempt: Callable[[int], T],
    *,
    policy: RetryPolicy,
    max_retries: int | None,
    clock: Clock | None = None,
) -> T:
    """Call ``attempt(n)`` for n = 0, 1, ... until it succeeds or the budget is spent.

    Example:
        >>> from llm_fakes.clock import VirtualClock
        >>> from llm_fakes.errors import ServerError
        >>> fails = [ServerError("boom")]
        >>> def attempt(n):
        ...     if fails:
        ...         raise fails.pop()
        ...     return n
        >>> retry_sync(attempt, policy=RetryPolicy(jitter=0), max_retries=1, clock=VirtualClock())
        1
    """
    __tracebackhide__ = kit_error
    budget = policy.retries_for(max_retries)
    clk = clock or RealClock()
    n = 0
    while True:
        try:
            return attempt(n)
        except ProviderError as exc:
            if not policy.is_transient(exc) or n >= budget:
                raise
            clk.sleep(policy.delay(exc, n))
            n += 1


async def retry_async(
    attempt: Callable[[int], Awaitable[T]],
    *,
    policy: RetryPolicy,
    max_retries: int | None,
    clock: Clock | None = None,
) -> T:
    """The async twin of :func:`retry_sync`; waits with ``clock.asleep``."""
    __tracebackhide__ = kit_error
    budget = policy.retries_for(max_retries)
    clk = clock or RealClock()
    n = 0
    while True:
        try:
            return await attempt(n)
        except ProviderError as exc:
            if not policy.is_transient(exc) or n >= budget:
                raise
            await clk.asleep(policy.delay(exc, n))
            n += 1
