"""Rights: a role x action matrix and a division scope per user.

Every service calls :func:`require` before it writes. Admins act in every division;
other users only in the divisions listed for them in ``user_division``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from transactional.errors import N_, PermissionDenied
from transactional.organisation.models import User, UserDivision

# What each action means to a user, for messages (message ids: the UI translates them).
ACTIONS: dict[str, str] = {
    "view_reports": N_("view reports"),
    "post_entry": N_("post journal entries"),
    "reverse_entry": N_("reverse posted entries"),
    "post_invoice": N_("post invoices"),
    "post_payment": N_("post payments"),
    "manage_relations": N_("maintain customers and suppliers"),
    "manage_items": N_("maintain items, warehouses and prices"),
    "sell": N_("enter quotes, sales orders, deliveries and customer returns"),
    "purchase": N_("enter purchase orders, goods receipts and supplier returns"),
    "manage_stock": N_("transfer stock and post stock counts"),
    "accept_differences": N_("accept price differences between a purchase invoice and its order"),
    "manage_ledger": N_("maintain the chart of accounts, journals, VAT codes and cost centres"),
    "manage_periods": N_("open or close periods and fiscal years"),
    "set_rates": N_("enter exchange rates"),
    "manage_divisions": N_("create or change divisions"),
    "manage_users": N_("manage users and their rights"),
    "approve": N_("approve budgets and documents"),
    "manage_budgets": N_("make, copy and submit budgets"),
    "manage_alerts": N_("set alert limits"),
    "view_audit": N_("read the audit trail"),
    "consolidate": N_("maintain the group structure, the group chart and consolidation entries"),
    "manufacture": N_(
        "enter production orders with their issues, hours and completions, and run MRP"
    ),
}

_CLERK = {
    "view_reports",
    "post_entry",
    "post_invoice",
    "post_payment",
    "manage_relations",
    "sell",
    "purchase",
    "manage_stock",
    "manufacture",
}
MATRIX: dict[str, frozenset[str]] = {
    "clerk": frozenset(_CLERK),
    "accountant": frozenset(
        _CLERK
        | {
            "reverse_entry",
            "manage_ledger",
            "manage_periods",
            "set_rates",
            "manage_items",
            "accept_differences",
            "manage_budgets",
            "manage_alerts",
            "view_audit",
            "consolidate",
        }
    ),
    "manager": frozenset(
        {
            "view_reports",
            "approve",
            "manage_relations",
            "accept_differences",
            "manage_budgets",
            "manage_alerts",
        }
    ),
    "analyst": frozenset({"view_reports"}),
    "admin": frozenset(ACTIONS),
}


# The refusal names the user's role and whom to ask as whole phrases (message ids), so a
# translation never has to build "a"/"an" or a list of roles from pieces.
ROLE_SUBJECTS: dict[str, str] = {
    "clerk": N_("A clerk"),
    "accountant": N_("An accountant"),
    "manager": N_("A manager"),
    "analyst": N_("An analyst"),
    "admin": N_("An administrator"),
}
_ASK: dict[tuple[str, ...], str] = {
    (): N_("an administrator"),
    ("accountant",): N_("an accountant or an administrator"),
    ("manager",): N_("a manager or an administrator"),
    ("accountant", "manager"): N_("an accountant, a manager or an administrator"),
}


def who_may(action: str) -> str:
    """Whom to ask, e.g. 'a manager or an administrator'."""
    return _ASK[tuple(r for r in ("accountant", "manager") if action in MATRIX[r])]


def allowed_divisions(session: Session, user: User) -> set[int] | None:
    """The division ids the user may act in; ``None`` means all (admins)."""
    if user.role == "admin":
        return None
    rows = session.exec(select(UserDivision.division_id).where(UserDivision.user_id == user.id))
    return set(rows)


def can(session: Session, user: User, action: str, division_id: int | None = None) -> bool:
    if not user.is_active or action not in MATRIX.get(user.role, frozenset()):
        return False
    if division_id is None:
        return True
    scope = allowed_divisions(session, user)
    return scope is None or division_id in scope


def require(
    session: Session,
    user: User,
    action: str,
    division_id: int | None = None,
    *,
    scope: Callable[[], set[int] | None] | None = None,
) -> None:
    """Refuse with a clear message unless the user may do ``action`` in the division.

    ``scope`` gives the user's divisions instead of reading them (posting passes its
    master-data copy, which is exactly as current: see ``transactional.finance.master_data``).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not user.is_active:
        raise PermissionDenied(N_("User {user} is deactivated."), user=user.username)
    if action not in MATRIX.get(user.role, frozenset()):
        raise PermissionDenied(
            N_("{role} may not {action}; ask {who}."),
            role=ROLE_SUBJECTS.get(user.role, user.role),
            action=ACTIONS[action],
            who=who_may(action),
        )
    if division_id is not None:
        divisions = scope() if scope is not None else allowed_divisions(session, user)
        if divisions is not None and division_id not in divisions:
            from transactional.organisation.models import Division

            division = session.get(Division, division_id)
            name = division.code if division is not None else str(division_id)
            raise PermissionDenied(
                N_("User {user} has no rights in division {name}."),
                user=user.username,
                name=name,
            )
    from transactional.audit import set_actor

    assert user.id is not None
    set_actor(session, user.id)
