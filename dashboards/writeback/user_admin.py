"""What the Users page writes: each change in one session as the signed-in administrator.

Plain functions, no Streamlit, like :mod:`dashboards.writeback.clerk_posting`: each call
commits on success and rolls back on any refusal, so a user added with a password that is
too short is not left behind without one. The services
(:mod:`transactional.organisation.users`, ``services.create_user``) check the right
``manage_users`` and the audit log records every change (a password only as "(set)").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from dashboards.writeback.clerk_posting import acting_as
from transactional.organisation import services
from transactional.organisation import users as user_services
from transactional.organisation.models import User
from transactional.organisation.users import UserRow

T = TypeVar("T")


def _as(user_id: int | None, change: Callable[[Session, User], T]) -> T:
    with acting_as(user_id) as (session, user):
        return change(session, user)


def list_users(user_id: int | None) -> list[UserRow]:
    """Every user as the administrator manages them (no password, no hash)."""
    return _as(user_id, lambda s, u: user_services.list_users(session=s, user=u))


def add_user(
    user_id: int | None,
    *,
    username: str,
    full_name: str,
    role: str,
    divisions: list[str],
    locale: str,
    password: str,
) -> str:
    """Create a user with their scope, language and first password (all or nothing);
    returns the user name as stored. An empty password leaves sign-in by password off
    (a sign-in provider's e-mail only)."""

    def change(session: Session, user: User) -> str:
        new = services.create_user(
            session=session,
            user=user,
            username=username,
            full_name=full_name.strip(),
            role=role,
            divisions=divisions,
        )
        user_services.set_locale(session=session, user=user, username=new.username, locale=locale)
        if password:
            user_services.set_password(
                session=session, user=user, username=new.username, password=password
            )
        return new.username

    return _as(user_id, change)


def set_role(user_id: int | None, *, username: str, role: str) -> None:
    _as(
        user_id,
        lambda s, u: user_services.set_role(session=s, user=u, username=username, role=role),
    )


def set_divisions(user_id: int | None, *, username: str, divisions: list[str]) -> None:
    _as(
        user_id,
        lambda s, u: user_services.set_divisions(
            session=s, user=u, username=username, divisions=divisions
        ),
    )


def set_locale(user_id: int | None, *, username: str, locale: str) -> None:
    _as(
        user_id,
        lambda s, u: user_services.set_locale(session=s, user=u, username=username, locale=locale),
    )


def reset_password(user_id: int | None, *, username: str, password: str) -> None:
    _as(
        user_id,
        lambda s, u: user_services.set_password(
            session=s, user=u, username=username, password=password
        ),
    )


def set_active(user_id: int | None, *, username: str, active: bool) -> None:
    service = user_services.enable_user if active else user_services.disable_user
    _as(user_id, lambda s, u: service(session=s, user=u, username=username))


def unlock(user_id: int | None, *, username: str) -> None:
    _as(user_id, lambda s, u: user_services.unlock(session=s, user=u, username=username))


def set_email(user_id: int | None, *, username: str, email: str) -> None:
    _as(
        user_id,
        lambda s, u: user_services.set_email(session=s, user=u, username=username, email=email),
    )
