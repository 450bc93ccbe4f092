"""Domain errors: raised by services with a message a clerk understands, in their language.

A message is a message id with named parameters, not an English sentence assembled in
code: ``ValidationError(N_("Account {code} is closed."), code="4000")``. ``str()`` gives
the English text (logs, the command line); the dashboards look the id up in the user's
gettext catalog and fill in the same parameters (``dashboards.language.error_text``).
``N_`` only marks the id for ``pybabel extract`` (keyword ``N_``); it translates nothing.
"""

from __future__ import annotations

from typing import Any


def N_(message_id: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Mark a message id for extraction into the catalogs; returns it unchanged."""
    return message_id


class DomainError(Exception):
    """A business rule refused the request; nothing has been written.

    ``field`` names the form field the message belongs next to, when there is one;
    ``params`` fill the message id's ``{placeholders}``.
    """

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        self.message_id = message
        self.params = params
        self.message = message.format(**params) if params else message
        super().__init__(self.message)
        self.field = field

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """The input itself is wrong (missing, malformed, unknown reference)."""


class PermissionDenied(DomainError):
    """The acting user's role or division scope does not allow the action."""


class SignInRefused(DomainError):
    """A sign-in failed: unknown user or wrong password (one message for both), locked,
    disabled, or expired."""


class PeriodClosed(DomainError):
    """The date falls in a closed period or fiscal year."""


class UnbalancedEntry(DomainError):
    """Debits and credits of an entry differ in the division's base currency."""


class ImmutableRecord(DomainError):
    """A posted record cannot be changed or deleted; post a reversal instead."""
