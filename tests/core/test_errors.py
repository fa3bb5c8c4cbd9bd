"""The error hierarchy: one root, typed provider errors, teardown errors are AssertionErrors."""

from __future__ import annotations

import pytest

from llm_fakes import errors
from llm_fakes.errors import error_for_status


@pytest.mark.parametrize(
    ("status", "cls", "retryable"),
    [
        (400, errors.BadRequestError, False),
        (401, errors.AuthenticationError, False),
        (403, errors.PermissionDeniedError, False),
        (404, errors.NotFoundError, False),
        (422, errors.UnprocessableEntityError, False),
        (429, errors.RateLimitError, True),
        (500, errors.ServerError, True),
        (502, errors.ServerError, True),
        (503, errors.ServerError, True),
        (504, errors.ServerError, True),
        (529, errors.OverloadedError, True),
        (418, errors.ProviderError, False),
    ],
)
def test_error_for_status_maps_to_typed_error(
    status: int, cls: type[errors.ProviderError], retryable: bool
) -> None:
    err = error_for_status(status, "msg")
    assert type(err) is cls
    assert (err.status, err.retryable, err.message) == (status, retryable, "msg")
    assert str(err) == f"{cls.__name__} (HTTP {status}): msg"


def test_rate_limit_carries_retry_after() -> None:
    assert error_for_status(429, retry_after=2.5).retry_after == 2.5  # type: ignore[attr-defined]


def test_every_public_error_subclasses_the_root() -> None:
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.LLMFakesError), name


@pytest.mark.parametrize(
    "cls",
    [
        errors.CassetteMiss,
        errors.UnusedScriptError,
        errors.UnusedInteractionsError,
        errors.ScriptExhausted,
        errors.JSONModeError,
    ],
)
def test_test_failures_are_assertion_errors(cls: type[Exception]) -> None:
    assert issubclass(cls, AssertionError)


def test_provider_errors_are_not_assertion_errors() -> None:
    assert not issubclass(errors.ProviderError, AssertionError)
