"""Users after they are created: passwords, active or not, role, division scope, language,
e-mail, lockouts, and the list an administrator manages them from.

Creating a user is ``services.create_user``. Every change here is an administrator's
(right ``manage_users``), except that users may change their own password (giving the
current one) and their own language. Changes go through the session, so the audit log
records them; a password hash only ever appears there as "(set)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from transactional import audit
from transactional.errors import N_, PermissionDenied, ValidationError
from transactional.organisation import rights, sign_in
from transactional.organisation.models import LOCALES, ROLES, Division, User, UserDivision
from transactional.organisation.services import bootstrap_admin, find_division

# The environment variable `erp db upgrade` and `erp demo` take the first admin's
# password from (otherwise they make one and print it once).
ADMIN_PASSWORD_ENV = "ERP_ADMIN_PASSWORD"


@dataclass(frozen=True)
class UserRow:
    """One line of the users list (no password, no hash: only whether there is one)."""

    username: str
    full_name: str
    role: str
    divisions: tuple[str, ...]  # codes; admins act in all, whatever is listed
    is_active: bool
    has_password: bool
    locale: str
    email: str | None
    locked_until: datetime | None


def find_user(session: Session, username: str, *, field: str = "username") -> User:
    """A user by user name, or a clear refusal."""
    name = (username or "").strip()
    found = session.exec(select(User).where(User.username == name)).first() if name else None
    if found is None:
        raise ValidationError(N_("There is no user {username}."), field=field, username=name)
    return found


def _act_as_self(session: Session, user: User) -> None:
    # A user changing their own password or language needs no right, only to be active.
    if not user.is_active:
        raise PermissionDenied(N_("User {username} is deactivated."), username=user.username)
    assert user.id is not None
    audit.set_actor(session, user.id)


def _may_manage(session: Session, user: User) -> bool:
    return rights.can(session, user, "manage_users")


def set_password(
    *,
    session: Session,
    user: User,
    username: str,
    password: str,
    current_password: str | None = None,
    now: datetime | None = None,
) -> None:
    """Give a user a new password: an administrator for anyone, a user for themself with
    their current password. A new password also ends a lockout."""
    target = find_user(session, username)
    if _may_manage(session, user):
        rights.require(session, user, "manage_users")
    elif target.id == user.id:
        _act_as_self(session, user)
        if not target.password_hash or not sign_in._verify(
            target.password_hash, current_password or ""
        ):
            raise ValidationError(
                N_("The current password is not right."), field="current_password"
            )
    else:
        rights.require(session, user, "manage_users")  # refuses with the rights message
    target.password_hash = sign_in.hash_password(password)
    session.add(target)
    session.flush()
    sign_in.record(
        session, username=target.username, user_id=target.id, outcome="password_set", now=now
    )


def _active_admins(session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", col(User.is_active).is_(True))
    ).one()


def _refuse_losing_last_admin(session: Session, user: User, target: User) -> None:
    if target.id == user.id:
        raise ValidationError(
            N_("Administrators cannot disable themselves or take away their own role."),
            field="username",
        )
    if target.role == "admin" and target.is_active and _active_admins(session) <= 1:
        raise ValidationError(
            N_("{username} is the last active administrator; make another one first."),
            field="username",
            username=target.username,
        )


def disable_user(*, session: Session, user: User, username: str) -> User:
    """Stop a user from signing in and acting; their history stays."""
    rights.require(session, user, "manage_users")
    target = find_user(session, username)
    if not target.is_active:
        return target
    _refuse_losing_last_admin(session, user, target)
    target.is_active = False
    session.add(target)
    session.flush()
    return target


def enable_user(*, session: Session, user: User, username: str) -> User:
    """Let a disabled user sign in and act again."""
    rights.require(session, user, "manage_users")
    target = find_user(session, username)
    if not target.is_active:
        target.is_active = True
        session.add(target)
        session.flush()
    return target


def set_role(*, session: Session, user: User, username: str, role: str) -> User:
    """Change what a user may do (the rights matrix of their role)."""
    rights.require(session, user, "manage_users")
    if role not in ROLES:
        raise ValidationError(
            N_("Role must be one of {roles}."), field="role", roles=", ".join(ROLES)
        )
    target = find_user(session, username)
    if target.role == role:
        return target
    if target.role == "admin":
        _refuse_losing_last_admin(session, user, target)
    target.role = role
    session.add(target)
    session.flush()
    return target


def set_divisions(
    *, session: Session, user: User, username: str, divisions: list[str]
) -> tuple[str, ...]:
    """Replace the divisions a user may act in by ``divisions`` (codes); returns them."""
    rights.require(session, user, "manage_users")
    target = find_user(session, username)
    wanted: dict[int, str] = {}
    for code in divisions:
        division = find_division(session, code, field="divisions")
        assert division.id is not None
        wanted[division.id] = division.code
    current = session.exec(select(UserDivision).where(UserDivision.user_id == target.id)).all()
    for row in current:
        if row.division_id not in wanted:
            session.delete(row)
    have = {row.division_id for row in current}
    for division_id in wanted:
        if division_id not in have:
            session.add(UserDivision(user_id=target.id or 0, division_id=division_id))
    session.flush()
    return tuple(sorted(wanted.values()))


def set_locale(*, session: Session, user: User, username: str, locale: str) -> User:
    """The language and number format a user reads the app in (themself, or an admin)."""
    target = find_user(session, username)
    if target.id == user.id and not _may_manage(session, user):
        _act_as_self(session, user)
    else:
        rights.require(session, user, "manage_users")
    if locale not in LOCALES:
        raise ValidationError(
            N_("Language must be one of {locales}."), field="locale", locales=", ".join(LOCALES)
        )
    if target.locale != locale:
        target.locale = locale
        session.add(target)
        session.flush()
    return target


def set_email(*, session: Session, user: User, username: str, email: str | None) -> User:
    """The e-mail address a sign-in provider reports for the user (None or "" clears it)."""
    rights.require(session, user, "manage_users")
    target = find_user(session, username)
    address = (email or "").strip().lower() or None
    if address is not None:
        local, _, domain = address.partition("@")
        if not local or "." not in domain or " " in address or len(address) > 254:
            raise ValidationError(
                N_("{email} is not an e-mail address."), field="email", email=address
            )
        other = session.exec(
            select(User.username).where(col(User.email) == address, User.id != target.id)
        ).first()
        if other is not None:
            raise ValidationError(
                N_("The e-mail address {email} already belongs to {username}."),
                field="email",
                email=address,
                username=other,
            )
    if target.email != address:
        target.email = address
        session.add(target)
        session.flush()
    return target


def unlock(*, session: Session, user: User, username: str, now: datetime | None = None) -> None:
    """End a lockout: the count of failed tries starts again (logged as 'unlocked')."""
    rights.require(session, user, "manage_users")
    target = find_user(session, username)
    sign_in.record(
        session, username=target.username, user_id=target.id, outcome="unlocked", now=now
    )


def list_users(*, session: Session, user: User, now: datetime | None = None) -> list[UserRow]:
    """Every user with role, division scope, active, whether a password is set, and the
    end of a lockout still running at ``now``."""
    rights.require(session, user, "manage_users")
    moment = sign_in._now(now)
    scopes: dict[int, list[str]] = {}
    for user_id, code in session.exec(
        select(UserDivision.user_id, Division.code)
        .join(Division, col(Division.id) == UserDivision.division_id)
        .order_by(Division.code)
    ):
        scopes.setdefault(user_id, []).append(code)
    rows = []
    for found in session.exec(select(User).order_by(User.username)).all():
        assert found.id is not None
        until = sign_in.locked_until(session, found.id)
        rows.append(
            UserRow(
                username=found.username,
                full_name=found.full_name,
                role=found.role,
                divisions=tuple(scopes.get(found.id, [])),
                is_active=found.is_active,
                has_password=found.password_hash is not None,
                locale=found.locale,
                email=found.email,
                locked_until=until if until is not None and moment < until else None,
            )
        )
    return rows


def ensure_admin_password(*, session: Session, password: str) -> User | None:
    """Make sure an administrator can sign in: create the first admin when there is none,
    or give the first active admin ``password`` when no active admin has one (databases
    from before sign-in). Returns the admin given ``password``, or None when one could
    already sign in. The admin is its own acting user, as in ``bootstrap_admin``."""
    admins = session.exec(
        select(User)
        .where(User.role == "admin", col(User.is_active).is_(True))
        .order_by(col(User.id))
    ).all()
    if any(admin.password_hash for admin in admins):
        return None
    password_hash = sign_in.hash_password(password)  # refuses a short one before any write
    admin = admins[0] if admins else bootstrap_admin(session=session)
    assert admin.id is not None
    audit.set_actor(session, admin.id)
    admin.password_hash = password_hash
    session.add(admin)
    session.flush()
    sign_in.record(session, username=admin.username, user_id=admin.id, outcome="password_set")
    return admin
