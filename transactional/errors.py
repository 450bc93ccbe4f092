"""Domain errors: raised by services with a message a clerk understands."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request; nothing has been written.

    ``field`` names the form field the message belongs next to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """The input itself is wrong (missing, malformed, unknown reference)."""


class PermissionDenied(DomainError):
    """The acting user's role or division scope does not allow the action."""


class PeriodClosed(DomainError):
    """The date falls in a closed period or fiscal year."""


class UnbalancedEntry(DomainError):
    """Debits and credits of an entry differ in the division's base currency."""


class ImmutableRecord(DomainError):
    """A posted record cannot be changed or deleted; post a reversal instead."""
