"""Signing in with a password: the right one, a wrong one, lockout and its expiry, the log.

Every moment is passed as ``now=`` (frozen datetimes), never the wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import SignInRefused
from transactional.organisation import sign_in, users
from transactional.organisation.models import SignInEvent

PASSWORD = "correct horse battery"
T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        users.set_password(
            session=s, user=user(s, "admin"), username="clerk", password=PASSWORD, now=T0
        )
    yield eng
    eng.dispose()


def attempt(engine, username: str, password: str, now: datetime) -> str:
    """Sign in and commit the log row either way; the message, or 'ok'."""
    with session_scope(engine) as s:
        try:
            sign_in.sign_in(s, username, password, now=now)
        except SignInRefused as exc:
            return exc.message
    return "ok"


def outcomes(engine, username: str) -> list[str]:
    with session_scope(engine) as s:
        return list(
            s.exec(
                select(SignInEvent.outcome)
                .where(SignInEvent.username == username)
                .order_by(col(SignInEvent.id))
            )
        )


def test_the_right_password_signs_in(engine) -> None:
    with session_scope(engine) as s:
        who = sign_in.sign_in(s, "clerk", PASSWORD, now=T0 + timedelta(minutes=1))
    assert (who.username, who.role, who.locale) == ("clerk", "clerk", "en")
    assert not hasattr(who, "password_hash")
    assert outcomes(engine, "clerk") == ["password_set", "signed_in"]


def test_wrong_password_and_unknown_user_get_the_same_message(engine) -> None:
    wrong = attempt(engine, "clerk", "not the password", T0)
    unknown = attempt(engine, "nobody", "not the password", T0)
    assert wrong == unknown == "Wrong user name or password."
    assert outcomes(engine, "clerk")[-1] == "failed"
    assert outcomes(engine, "nobody") == ["failed"]
    with session_scope(engine) as s:
        row = s.exec(select(SignInEvent).where(SignInEvent.username == "nobody")).one()
        assert row.user_id is None


def test_a_user_without_a_password_cannot_sign_in(engine) -> None:
    assert attempt(engine, "accountant", "", T0) == "Wrong user name or password."
    assert attempt(engine, "accountant", "anything at all", T0) == "Wrong user name or password."


def test_five_failures_lock_for_fifteen_minutes_then_the_count_starts_again(engine) -> None:
    said = [attempt(engine, "clerk", "wrong", T0 + timedelta(minutes=n)) for n in range(5)]
    assert said[:4] == ["Wrong user name or password."] * 4
    # The fifth try says at once that the user is now locked.
    assert said[4] == (
        "Wrong user name or password. Too many failed tries: this user is now locked for "
        "15 minutes."
    )
    # Locked from the fifth failure (T0+4) until T0+19, even with the right password.
    refused = attempt(engine, "clerk", PASSWORD, T0 + timedelta(minutes=10, seconds=30))
    assert refused == "Too many failed tries: this user is locked for 9 more minutes."
    assert attempt(engine, "clerk", PASSWORD, T0 + timedelta(minutes=18, seconds=59)) != "ok"
    with session_scope(engine) as s:
        assert sign_in.locked_until(s, user(s, "clerk").id) == T0 + timedelta(minutes=19)
    # Expired: the right password works again.
    assert attempt(engine, "clerk", PASSWORD, T0 + timedelta(minutes=19)) == "ok"
    assert outcomes(engine, "clerk") == (
        ["password_set"] + ["failed"] * 5 + ["locked_out", "locked_out", "signed_in"]
    )


def test_failures_after_an_expired_lock_count_afresh(engine) -> None:
    for n in range(5):
        attempt(engine, "clerk", "wrong", T0 + timedelta(minutes=n))
    later = T0 + timedelta(minutes=30)
    for n in range(4):  # four new failures after the lock expired: not locked yet
        attempt(engine, "clerk", "wrong", later + timedelta(seconds=n))
    assert attempt(engine, "clerk", PASSWORD, later + timedelta(minutes=1)) == "ok"


def test_a_success_resets_the_count(engine) -> None:
    for n in range(4):
        attempt(engine, "clerk", "wrong", T0 + timedelta(minutes=n))
    assert attempt(engine, "clerk", PASSWORD, T0 + timedelta(minutes=5)) == "ok"
    for n in range(4):
        attempt(engine, "clerk", "wrong", T0 + timedelta(minutes=6 + n))
    assert attempt(engine, "clerk", PASSWORD, T0 + timedelta(minutes=11)) == "ok"


def test_unlock_and_a_new_password_end_a_lockout(engine) -> None:
    for n in range(5):
        attempt(engine, "clerk", "wrong", T0 + timedelta(minutes=n))
    with session_scope(engine) as s:
        users.unlock(
            session=s, user=user(s, "admin"), username="clerk", now=T0 + timedelta(minutes=6)
        )
    assert attempt(engine, "clerk", PASSWORD, T0 + timedelta(minutes=7)) == "ok"
    for n in range(5):
        attempt(engine, "clerk", "wrong", T0 + timedelta(minutes=10 + n))
    with session_scope(engine) as s:
        users.set_password(
            session=s,
            user=user(s, "admin"),
            username="clerk",
            password="a brand new password",
            now=T0 + timedelta(minutes=16),
        )
    assert attempt(engine, "clerk", "a brand new password", T0 + timedelta(minutes=17)) == "ok"
    assert "unlocked" in outcomes(engine, "clerk")


def test_a_disabled_user_is_refused_even_with_the_right_password(engine) -> None:
    with session_scope(engine) as s:
        users.disable_user(session=s, user=user(s, "admin"), username="clerk")
    message = attempt(engine, "clerk", PASSWORD, T0)
    assert message == "This user is disabled; ask an administrator."
    assert outcomes(engine, "clerk")[-1] == "refused_disabled"
    # A wrong password still says only that: a disabled user's password is not confirmed.
    assert attempt(engine, "clerk", "wrong", T0) == "Wrong user name or password."


def test_the_sign_in_log_refuses_update_and_delete(engine) -> None:
    attempt(engine, "clerk", PASSWORD, T0)
    for statement in (
        "update sign_in_event set outcome = 'signed_in'",
        "delete from sign_in_event",
    ):
        with (
            pytest.raises(DBAPIError, match="sign-in log cannot be changed"),
            session_scope(engine) as s,
        ):
            s.execute(text(statement))
    assert outcomes(engine, "clerk") == ["password_set", "signed_in"]


def test_no_password_or_hash_is_logged_or_shown(engine) -> None:
    attempt(engine, "clerk", "wrong guess 123", T0)
    messages = [attempt(engine, "clerk", PASSWORD, T0), attempt(engine, "nobody", PASSWORD, T0)]
    with session_scope(engine) as s:
        stored_hash = user(s, "clerk").password_hash
        assert stored_hash and stored_hash.startswith("$argon2")
        audit_text = " ".join(
            f"{row.old_value} {row.new_value}"
            for row in s.exec(select(AuditLog).where(AuditLog.table_name == "app_user"))
        )
        log_text = " ".join(
            f"{row.username} {row.outcome} {row.method}" for row in s.exec(select(SignInEvent))
        )
    assert '"password_hash": "(set)"' in audit_text  # the change is recorded, not the value
    for secret in (PASSWORD, "wrong guess 123", stored_hash, "$argon2"):
        assert secret not in audit_text
        assert secret not in log_text
        assert all(secret not in m for m in messages)
    with pytest.raises(Exception) as short:
        sign_in.hash_password("short pw")
    assert "short pw" not in str(short.value)
