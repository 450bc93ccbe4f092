"""Managing users: rights, the last administrator, division scope, language, e-mail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import DomainError, PermissionDenied, ValidationError
from transactional.organisation import rights, sign_in, users
from transactional.organisation import services as org
from transactional.organisation.models import User

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.mark.parametrize(
    "change",
    [
        lambda s, u: users.disable_user(session=s, user=u, username="analyst"),
        lambda s, u: users.enable_user(session=s, user=u, username="analyst"),
        lambda s, u: users.set_role(session=s, user=u, username="analyst", role="admin"),
        lambda s, u: users.set_divisions(session=s, user=u, username="analyst", divisions=[]),
        lambda s, u: users.set_email(session=s, user=u, username="analyst", email="a@b.nl"),
        lambda s, u: users.unlock(session=s, user=u, username="analyst"),
        lambda s, u: users.list_users(session=s, user=u),
        lambda s, u: users.set_locale(session=s, user=u, username="analyst", locale="fr_BE"),
        lambda s, u: users.set_password(
            session=s, user=u, username="analyst", password="long enough password"
        ),
    ],
    ids=[
        "disable",
        "enable",
        "role",
        "divisions",
        "email",
        "unlock",
        "list",
        "others-locale",
        "others-password",
    ],
)
def test_a_clerk_may_not_manage_users(engine, change) -> None:
    with pytest.raises(PermissionDenied, match="may not manage users"), session_scope(engine) as s:
        change(s, user(s, "clerk"))


def test_the_last_active_admin_cannot_be_disabled_or_demoted(engine) -> None:
    # Only an active admin may manage users, so the last one could only remove themself.
    with session_scope(engine) as s:
        admin = user(s, "admin")
        with pytest.raises(ValidationError, match="cannot disable themselves"):
            users.disable_user(session=s, user=admin, username="admin")
        with pytest.raises(ValidationError, match="take away their own role"):
            users.set_role(session=s, user=admin, username="admin", role="accountant")
        users.set_role(session=s, user=admin, username="manager", role="admin")
    with session_scope(engine) as s:  # with a second admin, one may disable the other
        users.disable_user(session=s, user=user(s, "manager"), username="admin")
    with session_scope(engine) as s:
        assert not user(s, "admin").is_active
        with pytest.raises(PermissionDenied, match="deactivated"):
            users.enable_user(session=s, user=user(s, "admin"), username="admin")
        users.enable_user(session=s, user=user(s, "manager"), username="admin")
    with session_scope(engine) as s:
        assert user(s, "admin").is_active


def test_last_admin_rule_counts_only_active_admins(engine) -> None:
    with session_scope(engine) as s:
        admin = user(s, "admin")
        users.set_role(session=s, user=admin, username="analyst", role="admin")
        users.disable_user(session=s, user=admin, username="analyst")
    with session_scope(engine) as s:
        analyst = user(s, "analyst")
        assert analyst.role == "admin" and not analyst.is_active
        with pytest.raises(PermissionDenied):  # a disabled admin acts no more
            users.disable_user(session=s, user=analyst, username="admin")


def test_division_scope_is_replaced_and_audited(engine) -> None:
    with session_scope(engine) as s:
        admin = user(s, "admin")
        kept = users.set_divisions(session=s, user=admin, username="accountant", divisions=["US01"])
        assert kept == ("US01",)
    with session_scope(engine) as s:
        accountant = user(s, "accountant")
        hold = org.find_division(s, "HOLD").id
        us01 = org.find_division(s, "US01").id
        assert rights.allowed_divisions(s, accountant) == {us01}
        assert not rights.can(s, accountant, "post_entry", hold)
        deleted = s.exec(
            select(AuditLog).where(
                AuditLog.table_name == "user_division", AuditLog.action == "delete"
            )
        ).all()
        assert [row.record_key for row in deleted] == [f"{accountant.id}/{hold}"]
        assert {row.user_id for row in deleted} == {user(s, "admin").id}
    with session_scope(engine) as s:
        users.set_divisions(
            session=s, user=user(s, "admin"), username="accountant", divisions=["HOLD", "US01"]
        )
    with session_scope(engine) as s:
        assert rights.allowed_divisions(s, user(s, "accountant")) == {hold, us01}
    with (
        pytest.raises(ValidationError, match="Division 'XX99' does not exist"),
        session_scope(engine) as s,
    ):
        users.set_divisions(
            session=s, user=user(s, "admin"), username="accountant", divisions=["XX99"]
        )
    with session_scope(engine) as s:  # nothing of the refused change was written
        assert rights.allowed_divisions(s, user(s, "accountant")) == {hold, us01}


def test_locale_must_be_known_and_users_set_their_own(engine) -> None:
    with (
        pytest.raises(ValidationError, match="Language must be one of en, fr_FR"),
        session_scope(engine) as s,
    ):
        users.set_locale(session=s, user=user(s, "admin"), username="clerk", locale="de_DE")
    with session_scope(engine) as s:
        users.set_locale(session=s, user=user(s, "clerk"), username="clerk", locale="nl_NL")
        users.set_locale(session=s, user=user(s, "admin"), username="analyst", locale="fr_BE")
    with session_scope(engine) as s:
        assert user(s, "clerk").locale == "nl_NL"
        assert user(s, "analyst").locale == "fr_BE"
        row = s.exec(
            select(AuditLog).where(
                AuditLog.table_name == "app_user",
                AuditLog.record_key == str(user(s, "clerk").id),
                AuditLog.action == "update",
            )
        ).one()
        assert row.user_id == user(s, "clerk").id
        assert row.old_value == '{"locale": "en"}' and row.new_value == '{"locale": "nl_NL"}'


def test_users_change_their_own_password_with_the_current_one(engine) -> None:
    with session_scope(engine) as s:
        users.set_password(
            session=s, user=user(s, "admin"), username="clerk", password="first password 1"
        )
    with (
        pytest.raises(ValidationError, match="current password is not right"),
        session_scope(engine) as s,
    ):
        users.set_password(
            session=s,
            user=user(s, "clerk"),
            username="clerk",
            password="second password 2",
            current_password="a wrong guess",
        )
    with session_scope(engine) as s:
        users.set_password(
            session=s,
            user=user(s, "clerk"),
            username="clerk",
            password="second password 2",
            current_password="first password 1",
        )
    with session_scope(engine) as s:
        assert sign_in.sign_in(s, "clerk", "second password 2", now=T0).username == "clerk"
    with pytest.raises(ValidationError, match="at least 10 characters"), session_scope(engine) as s:
        users.set_password(session=s, user=user(s, "admin"), username="clerk", password="short")


def test_email_is_lower_cased_and_unique(engine) -> None:
    with session_scope(engine) as s:
        users.set_email(
            session=s, user=user(s, "admin"), username="clerk", email="  Clerk@Noordwind.NL "
        )
    with session_scope(engine) as s:
        assert user(s, "clerk").email == "clerk@noordwind.nl"
    with (
        pytest.raises(ValidationError, match="already belongs to clerk"),
        session_scope(engine) as s,
    ):
        users.set_email(
            session=s, user=user(s, "admin"), username="analyst", email="CLERK@noordwind.nl"
        )
    with (
        pytest.raises(ValidationError, match="is not an e-mail address"),
        session_scope(engine) as s,
    ):
        users.set_email(session=s, user=user(s, "admin"), username="analyst", email="nobody")


def test_list_shows_scope_password_and_lockout_but_no_hash(engine) -> None:
    with session_scope(engine) as s:
        users.set_password(
            session=s, user=user(s, "admin"), username="clerk_us", password="long enough pw"
        )
    for n in range(5):
        with session_scope(engine) as s, pytest.raises(DomainError):
            sign_in.sign_in(s, "clerk_us", "wrong", now=T0.replace(minute=n))
    with session_scope(engine) as s:
        rows = {
            row.username: row for row in users.list_users(session=s, user=user(s, "admin"), now=T0)
        }
    assert rows["clerk_us"].divisions == ("US01",)
    assert rows["clerk_us"].has_password and not rows["clerk"].has_password
    assert rows["clerk_us"].locked_until == T0.replace(minute=19)
    assert rows["accountant"].divisions == ("HOLD", "US01")
    assert rows["clerk"].locked_until is None
    assert not any("argon" in repr(row) for row in rows.values())


def test_first_admin_password_only_when_no_admin_can_sign_in(engine) -> None:
    with session_scope(engine) as s:
        made = users.ensure_admin_password(session=s, password="first admin password")
        assert made is not None and made.username == "admin"
    with session_scope(engine) as s:
        assert users.ensure_admin_password(session=s, password="another password 2") is None
        assert sign_in.sign_in(s, "admin", "first admin password", now=T0).role == "admin"
    with session_scope(engine) as s:
        assert s.exec(select(User).where(User.role == "admin")).one().password_hash


def test_every_demo_user_signs_in_with_the_listed_password(tmp_path) -> None:
    import os
    from datetime import date

    from ingestion.demo import generate
    from ingestion.demo.company import DEMO_USERS
    from transactional.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    generate(url, seed=42, scale=0.0005, end_date=date(2026, 10, 31))
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            rows = {row.username: row for row in users.list_users(session=s, user=user(s, "admin"))}
            for username, (role, divisions, locale, password) in DEMO_USERS.items():
                # The admin's comes from ERP_ADMIN_PASSWORD (set by tests/conftest.py).
                who = sign_in.sign_in(
                    s, username, password or os.environ["ERP_ADMIN_PASSWORD"], now=T0
                )
                assert (who.role, who.locale) == (role, locale)
                if role != "admin":
                    assert rows[username].divisions == tuple(sorted(divisions))
    finally:
        engine.dispose()
    assert DEMO_USERS["clerk1"][1:3] == (("NL01",), "nl_NL")
    assert DEMO_USERS["manager_us"][:3] == ("manager", ("US01",), "en")
    assert DEMO_USERS["manager_nl"][:3] == ("manager", ("MF01",), "nl_NL")
    assert DEMO_USERS["accountant_be"][2] == "fr_BE"
