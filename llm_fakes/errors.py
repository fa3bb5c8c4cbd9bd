"""Every error the kit raises, in one hierarchy under :class:`LLMFakesError`.

Two families:

* **Provider errors** (:class:`ProviderError` and subclasses): what a real backend raises, and what
  the fakes raise to imitate one. Each carries ``status`` (the HTTP status, or ``None`` for a
  connection-level failure) and ``retryable`` (whether the retry policy may try again).
* **Kit errors**: a test-writing mistake or a bad file (:class:`UsageError`, :class:`ScriptError`,
  :class:`CassetteError`, ...). Those found at teardown also subclass :class:`AssertionError`, so
  pytest reports them as failures, not errors.

Example:
    >>> err = error_for_status(429, "slow down", retry_after=2.0)
    >>> type(err).__name__, err.retryable, err.retry_after
    ('RateLimitError', True, 2.0)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "AuthenticationError",
    "BadRequestError",
    "CassetteError",
    "CassetteFormatError",
    "CassetteMiss",
    "CassetteWriteError",
    "ContractViolation",
    "EmptyResponseError",
    "JSONModeError",
    "LLMFakesError",
    "NetworkBlockedError",
    "NotFoundError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderTimeoutError",
    "RateLimitError",
    "ResponseFormatError",
    "ScriptError",
    "ScriptExhausted",
    "ServerError",
    "TypeResolutionError",
    "UnprocessableEntityError",
    "UnusedInteractionsError",
    "UnusedScriptError",
    "UsageError",
    "error_for_status",
]


class LLMFakesError(Exception):
    """Root of every error the kit raises."""


def kit_error(excinfo: Any) -> bool:
    """For ``__tracebackhide__``: hide a kit frame when the error is the kit's own.

    pytest calls it with the failure's ``ExceptionInfo``: a :class:`CassetteMiss` is reported at
    the test's line, while a bug (any other exception) still shows every frame.
    """
    return isinstance(getattr(excinfo, "value", None), LLMFakesError)


# --------------------------------------------------------------------------- provider errors


class ProviderError(LLMFakesError):
    """An error a backend returned or raised.

    Attributes:
        status: The HTTP status code, or ``None`` for errors below HTTP (connection, timeout,
            malformed stream).
        retryable: Whether the retry policy treats it as transient.
        message: The provider's own error message (never a secret, never a raw body).
    """

    default_status: int | None = None
    default_retryable = False

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.message = message
        self.status = self.default_status if status is None else status
        self.retryable = self.default_retryable if retryable is None else retryable
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = f"{type(self).__name__}"
        if self.status is not None:
            head += f" (HTTP {self.status})"
        return f"{head}: {self.message}" if self.message else head


class RateLimitError(ProviderError):
    """HTTP 429. ``retry_after`` is the server's requested wait in seconds, if it gave one."""

    default_status = 429
    default_retryable = True

    def __init__(
        self,
        message: str = "rate limited",
        *,
        retry_after: float | None = None,
        status: int | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status, retryable=retryable)


class OverloadedError(ProviderError):
    """HTTP 529 (Anthropic's "overloaded"), or a 503 the provider reports as overloaded."""

    default_status = 529
    default_retryable = True


class ServerError(ProviderError):
    """HTTP 500, 502, 503 or 504."""

    default_status = 500
    default_retryable = True


class EmptyResponseError(ProviderError):
    """The backend answered with neither text nor tool calls."""

    default_retryable = True


class ProviderTimeoutError(ProviderError):
    """The request timed out."""

    default_retryable = True


class APIConnectionError(ProviderError):
    """The connection failed or was reset (before or during a response)."""

    default_retryable = True


class ResponseFormatError(ProviderError):
    """The backend's response could not be parsed (truncated stream, malformed JSON, HTML body)."""

    default_retryable = False


class BadRequestError(ProviderError):
    """HTTP 400: the request itself is wrong; never retried."""

    default_status = 400


class AuthenticationError(ProviderError):
    """HTTP 401: missing or wrong API key; never retried."""

    default_status = 401


class PermissionDeniedError(ProviderError):
    """HTTP 403; never retried."""

    default_status = 403


class NotFoundError(ProviderError):
    """HTTP 404 (for example an unknown model); never retried."""

    default_status = 404


class UnprocessableEntityError(ProviderError):
    """HTTP 422; never retried."""

    default_status = 422


_BY_STATUS: dict[int, type[ProviderError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    529: OverloadedError,
}
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504, 529})


def error_for_status(
    status: int, message: str = "", *, retry_after: float | None = None
) -> ProviderError:
    """Build the typed error for an HTTP status, as both fakes and real providers do.

    Example:
        >>> error_for_status(503, "busy")
        ServerError('ServerError (HTTP 503): busy')
    """
    if status == 429:
        return RateLimitError(message or "rate limited", retry_after=retry_after)
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls(message, status=status)
    if status >= 500:
        return ServerError(message, status=status)
    return ProviderError(message, status=status, retryable=status in TRANSIENT_STATUSES)


# --------------------------------------------------------------------------- kit errors


class UsageError(LLMFakesError):
    """The kit was used wrongly (a bad argument, a contradictory option)."""


class TypeResolutionError(UsageError):
    """A user-named types module lacks a class or a field the kit needs."""


class ScriptError(UsageError):
    """A script (in code or in a file) is malformed."""


class JSONModeError(UsageError, AssertionError):
    """JSON mode was asked for but the scripted reply is not (valid) JSON."""


class ScriptExhausted(LLMFakesError, AssertionError):
    """A scripted provider was called after its script ran out."""


class UnusedScriptError(LLMFakesError, AssertionError):
    """Scripted turns or counted rules were never consumed (found at teardown)."""


class NetworkBlockedError(LLMFakesError):
    """A test tried to reach a real LLM API while replaying."""


class CassetteError(LLMFakesError):
    """Root of the cassette errors."""


class CassetteFormatError(CassetteError):
    """A cassette file is corrupt, hand-broken or of an unknown version."""


class CassetteWriteError(CassetteError):
    """A cassette could not be written (read-only folder, full disk); the old file is intact."""


class CassetteMiss(CassetteError, AssertionError):
    """No recorded interaction matches the request, and the record mode forbids recording."""


class UnusedInteractionsError(CassetteError, AssertionError):
    """Strict mode: recorded interactions were never played (found at teardown)."""


class ContractViolation(LLMFakesError, AssertionError):
    """A provider under conformance test broke a property of the contract (docs/contract.md)."""
