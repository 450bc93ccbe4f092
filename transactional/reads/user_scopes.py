"""Who the signed-in user is now: role, locale, active, and the divisions they may see.

Read on every run of the app, so a role, scope or disabling changed by an administrator
takes effect on the user's next click, not at their next sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from transactional.organisation import rights
from transactional.organisation.models import Division, User
from transactional.reads.master_data import _reading as reading


@dataclass(frozen=True)
class UserScope:
    user_id: int
    username: str
    full_name: str
    role: str
    locale: str
    is_active: bool
    # The division ids the user may see; None: the whole group (every division).
    divisions: frozenset[int] | None

    @property
    def whole_group(self) -> bool:
        return self.divisions is None


def user_scope(user_id: int) -> UserScope | None:
    """The user's current scope, or None when the user no longer exists."""
    with reading() as s:
        user = s.get(User, user_id)
        if user is None or user.id is None:
            return None
        allowed = rights.allowed_divisions(s, user)
        if allowed is not None:
            every = set(s.exec(select(Division.id)).all())
            # A scope listing every division is the whole group: group figures allowed.
            divisions = None if every <= allowed else frozenset(allowed)
        else:
            divisions = None
        return UserScope(
            user.id,
            user.username,
            user.full_name,
            user.role,
            user.locale,
            user.is_active,
            divisions,
        )


def division_codes(ids: frozenset[int] | None) -> list[str]:
    """The codes of the divisions (all when ``ids`` is None), by code."""
    with reading() as s:
        stmt = select(Division.code).order_by(col(Division.code))
        if ids is not None:
            stmt = stmt.where(col(Division.id).in_(ids))
        return list(s.exec(stmt).all())
