"""Errors the domain raises; each maps to one Pinpoint error type at the API edge."""

from __future__ import annotations


class EngageError(Exception):
    """Base of every error the engage domain raises on purpose."""

    pinpoint_type = "InternalServerErrorException"


class ValidationError(EngageError, ValueError):
    """Input that can never succeed as sent; `field` names what is wrong."""

    pinpoint_type = "BadRequestException"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class LimitExceededError(ValidationError):
    """A documented quota would be exceeded (Pinpoint answers these with BadRequestException)."""


class NotFoundError(EngageError, LookupError):
    pinpoint_type = "NotFoundException"


class ConflictError(EngageError):
    """A concurrent writer won; the caller may re-read and retry."""

    pinpoint_type = "ConflictException"


class RetriesExhaustedError(EngageError):
    """A retryable failure persisted past the retry budget; `failures` says what is left undone."""

    pinpoint_type = "TooManyRequestsException"

    def __init__(self, message: str, failures: list | None = None) -> None:
        super().__init__(message)
        self.failures = failures or []


class NotSentError(EngageError):
    """A message certainly did not go out (a step before the channel call failed): its send may be
    retried without any risk of a second message."""


class ThrottledError(NotSentError):
    """The service asked us to slow down (recognised by its error code); retry after a backoff."""

    pinpoint_type = "TooManyRequestsException"


class HeldError(ThrottledError):
    """Not sent, and not worth trying again for a while: the rate has no room left before the
    batch's deadline, or the channel paused sending (SES SendingPausedException). `retry_after` is
    how many seconds to hold it; `paused` when the channel paused, which is held at most a
    configured time."""

    def __init__(self, message: str, retry_after: float, paused: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.paused = paused


class DeliveryRefusedError(EngageError):
    """The channel refused this message for good (a rejected message, an unverified identity, a
    paused account): retrying the same request cannot succeed; `code` is the service's."""

    pinpoint_type = "BadRequestException"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
