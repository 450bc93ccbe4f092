"""Signing in: argon2 password hashes, lockout after failed tries, the sign-in log.

A failed try changes no user record: every attempt is a row of ``sign_in_event`` and the
lockout is worked out from those rows (five failures in a row lock the user for fifteen
minutes from the fifth; a success, an unlock or a new password starts the count again).
Unknown user and wrong password get the same message, so the form does not tell which
user names exist. Passwords and hashes are never logged, shown or put in a message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert
from sqlmodel import Session, col, select

from transactional.errors import N_, SignInRefused, ValidationError
from transactional.organisation.models import SignInEvent, User

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
# Outcomes after which the failure count starts again.
_RESETS = ("signed_in", "unlocked", "password_set")
_HASHER = PasswordHasher()
# Verified against when the user does not exist, so both cases take as long.
_DUMMY_HASH = _HASHER.hash("no such user: constant-time refusal")

WRONG = N_("Wrong user name or password.")
LOCKED_NOW = N_(
    "Wrong user name or password. Too many failed tries: this user is now locked for "
    "{minutes} minutes."
)


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, as the app keeps it in the session (no password, no hash)."""

    user_id: int
    username: str
    full_name: str
    role: str
    locale: str


def hash_password(password: str) -> str:
    """The argon2 hash stored for ``password``, refusing one that is too short."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            N_("A password needs at least {count} characters."),
            field="password",
            count=MIN_PASSWORD_LENGTH,
        )
    return _HASHER.hash(password)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def record(
    session: Session,
    *,
    username: str,
    outcome: str,
    user_id: int | None = None,
    method: str = "password",
    now: datetime | None = None,
) -> None:
    """Add one row to the sign-in log (in the caller's transaction)."""
    session.execute(
        insert(SignInEvent).values(
            occurred_at=_now(now),
            username=(username or "")[:60],
            user_id=user_id,
            outcome=outcome,
            method=method,
        )
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def locked_until(session: Session, user_id: int) -> datetime | None:
    """When the user's lockout ends, or None when they are not locked out (at any time:
    the caller compares with now)."""
    events = session.exec(
        select(SignInEvent.occurred_at, SignInEvent.outcome)
        .where(SignInEvent.user_id == user_id)
        .order_by(col(SignInEvent.id).desc())
        .limit(200)
    ).all()
    failures: list[datetime] = []
    for occurred_at, outcome in events:  # newest first, back to the last reset
        if outcome in _RESETS:
            break
        if outcome == "failed":
            failures.append(_aware(occurred_at))
    # Walk forward: a lock starts at the fifth failure in a row; tries after it expired
    # count afresh.
    until: datetime | None = None
    count = 0
    for moment in reversed(failures):
        if until is not None and moment >= until:
            until, count = None, 0
        count += 1
        if count == MAX_FAILURES:
            until = moment + LOCKOUT
    return until


def sign_in(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> SignedIn:
    """Check a user name and password; log the attempt either way.

    The caller commits (the log row of a refusal too) and shows the message of a
    :class:`SignInRefused`.
    """
    moment = _now(now)
    typed = (username or "").strip()
    user = session.exec(select(User).where(User.username == typed)).first() if typed else None
    if user is None or user.id is None:
        _verify(_DUMMY_HASH, password)
        record(session, username=typed, outcome="failed", now=moment)
        raise SignInRefused(WRONG)
    until = locked_until(session, user.id)
    if until is not None and moment < until:
        record(session, username=typed, user_id=user.id, outcome="locked_out", now=moment)
        minutes = max(1, math.ceil((until - moment).total_seconds() / 60))
        raise SignInRefused(
            N_("Too many failed tries: this user is locked for {minutes} more minutes."),
            minutes=minutes,
        )
    if not _verify(user.password_hash or _DUMMY_HASH, password) or user.password_hash is None:
        record(session, username=typed, user_id=user.id, outcome="failed", now=moment)
        until = locked_until(session, user.id)
        if until is not None and until > moment:
            # This try was the one too many: say so now, not on the next try.
            raise SignInRefused(LOCKED_NOW, minutes=int(LOCKOUT.total_seconds() // 60))
        raise SignInRefused(WRONG)
    if not user.is_active:
        record(session, username=typed, user_id=user.id, outcome="refused_disabled", now=moment)
        raise SignInRefused(N_("This user is disabled; ask an administrator."))
    record(session, username=typed, user_id=user.id, outcome="signed_in", now=moment)
    return signed_in(user)


def sign_in_by_email(session: Session, email: str, *, now: datetime | None = None) -> SignedIn:
    """The user an OpenID Connect provider vouched for, by the e-mail it reports."""
    moment = _now(now)
    address = (email or "").strip().lower()
    user = session.exec(select(User).where(col(User.email) == address)).first() if address else None
    if user is None or user.id is None:
        record(session, username=address, outcome="failed", method="oidc", now=moment)
        raise SignInRefused(
            N_("No user has the e-mail address {email}; ask an administrator."), email=address
        )
    if not user.is_active:
        record(
            session,
            username=user.username,
            user_id=user.id,
            outcome="refused_disabled",
            method="oidc",
            now=moment,
        )
        raise SignInRefused(N_("This user is disabled; ask an administrator."))
    record(
        session,
        username=user.username,
        user_id=user.id,
        outcome="signed_in",
        method="oidc",
        now=moment,
    )
    return signed_in(user)


def signed_in(user: User) -> SignedIn:
    assert user.id is not None
    return SignedIn(user.id, user.username, user.full_name, user.role, user.locale)


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return False
