"""Which pages the signed-in user's role sees, grouped and titled in their language.

A page is listed when the role has the right the page needs (``rights.MATRIX``): a
manager sees no clerk forms, an analyst only the Insights pages. The services still
check every action (and a scoped user's division) when a form is submitted; hiding a page
only spares the user a form they could never submit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import streamlit as st

from dashboards import signed_in
from dashboards.language import N_, _
from transactional.organisation.rights import MATRIX


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to dashboards/
    title: str  # message id
    icon: str
    right: str  # the action the role needs to see the page


INSIGHTS = N_("Insights")
FORMS = N_("Clerk forms")
MANUFACTURING = N_("Manufacturing")
GROUP = N_("Group consolidation")
ADMINISTRATION = N_("Administration")

SECTIONS: dict[str, tuple[PageSpec, ...]] = {
    INSIGHTS: (
        PageSpec(
            "app_pages/finance.py", N_("Finance"), ":material/account_balance:", "view_reports"
        ),
        PageSpec(
            "app_pages/wholesale.py", N_("Wholesale"), ":material/inventory_2:", "view_reports"
        ),
        PageSpec("app_pages/whatif.py", N_("What-if"), ":material/tune:", "view_reports"),
        PageSpec("app_pages/budgets.py", N_("Budgets"), ":material/request_quote:", "view_reports"),
        PageSpec("app_pages/alerts.py", N_("Alerts"), ":material/notifications:", "view_reports"),
        PageSpec(
            "app_pages/consolidation.py",
            N_("Consolidation"),
            ":material/account_tree:",
            "view_reports",
        ),
        PageSpec(
            "app_pages/manufacturing.py",
            N_("Manufacturing"),
            ":material/precision_manufacturing:",
            "view_reports",
        ),
    ),
    FORMS: (
        PageSpec(
            "app_pages/forms/journal_entry.py",
            N_("Journal entry"),
            ":material/edit_note:",
            "post_entry",
        ),
        PageSpec(
            "app_pages/forms/sales_invoice.py",
            N_("Sales invoice"),
            ":material/receipt_long:",
            "post_invoice",
        ),
        PageSpec(
            "app_pages/forms/purchase_invoice.py",
            N_("Purchase invoice"),
            ":material/receipt:",
            "post_invoice",
        ),
        PageSpec(
            "app_pages/forms/payment.py", N_("Payment"), ":material/payments:", "post_payment"
        ),
        PageSpec(
            "app_pages/forms/sales_order.py", N_("Sales order"), ":material/shopping_cart:", "sell"
        ),
        PageSpec(
            "app_pages/forms/delivery.py", N_("Delivery"), ":material/local_shipping:", "sell"
        ),
        PageSpec(
            "app_pages/forms/goods_receipt.py",
            N_("Goods receipt"),
            ":material/inventory:",
            "purchase",
        ),
        PageSpec(
            "app_pages/forms/customer_return.py",
            N_("Customer return"),
            ":material/assignment_return:",
            "sell",
        ),
        PageSpec(
            "app_pages/forms/stock_transfer.py",
            N_("Stock transfer"),
            ":material/swap_horiz:",
            "manage_stock",
        ),
        PageSpec(
            "app_pages/forms/stock_count.py",
            N_("Stock count"),
            ":material/checklist:",
            "manage_stock",
        ),
    ),
    MANUFACTURING: (
        PageSpec(
            "app_pages/forms/production_order.py",
            N_("Production order"),
            ":material/factory:",
            "manufacture",
        ),
        PageSpec(
            "app_pages/forms/material_issue.py",
            N_("Material issue"),
            ":material/move_to_inbox:",
            "manufacture",
        ),
        PageSpec(
            "app_pages/forms/production_hours.py",
            N_("Production hours"),
            ":material/schedule:",
            "manufacture",
        ),
        PageSpec(
            "app_pages/forms/production_completion.py",
            N_("Production completion"),
            ":material/task_alt:",
            "manufacture",
        ),
        PageSpec(
            "app_pages/forms/mrp_run.py",
            N_("MRP run"),
            ":material/event_repeat:",
            "manufacture",
        ),
        PageSpec(
            "app_pages/forms/manufacturing_import.py",
            N_("Manufacturing import"),
            ":material/upload_file:",
            "manufacture",
        ),
    ),
    GROUP: (
        PageSpec(
            "app_pages/forms/group_structure.py",
            N_("Group structure"),
            ":material/lan:",
            "consolidate",
        ),
        PageSpec(
            "app_pages/forms/account_mapping.py",
            N_("Account mapping"),
            ":material/alt_route:",
            "consolidate",
        ),
        PageSpec(
            "app_pages/forms/topside_entry.py",
            N_("Top-side entry"),
            ":material/playlist_add:",
            "consolidate",
        ),
        PageSpec(
            "app_pages/forms/trial_balance_upload.py",
            N_("Trial-balance upload"),
            ":material/upload_file:",
            "consolidate",
        ),
    ),
    ADMINISTRATION: (
        PageSpec("app_pages/users.py", N_("Users"), ":material/group:", "manage_users"),
        PageSpec("app_pages/audit_trail.py", N_("Audit trail"), ":material/history:", "view_audit"),
    ),
}


def visible(role: str) -> dict[str, list[PageSpec]]:
    """The sections and pages ``role`` sees (empty sections left out), as message ids."""
    rights = MATRIX.get(role, frozenset())
    shown = {
        section: [p for p in specs if p.right in rights] for section, specs in SECTIONS.items()
    }
    return {section: specs for section, specs in shown.items() if specs}


def pages(role: str) -> dict[str, list[st.Page]]:
    """``st.navigation``'s argument for ``role``, in the current language."""
    return {
        _(section): [st.Page(p.path, title=_(p.title), icon=p.icon) for p in specs]
        for section, specs in visible(role).items()
    }


# The page a browser asked for (its URL path) before the user signed in.
REQUESTED = "requested_page"


def remember_requested_page() -> None:
    """Note the URL path the browser opened, while the sign-in form stands in front of
    it, so the user lands there once signed in (a bookmark, a link from a colleague)."""
    if REQUESTED in st.session_state:
        return
    url = st.context.url or ""
    path = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1] if url else ""
    st.session_state[REQUESTED] = path


def follow_requested_page(page: Any) -> None:
    """After signing in, go to the page the browser asked for, when the role may see it."""
    wanted = st.session_state.pop(REQUESTED, None)
    if not wanted or getattr(page, "url_path", None) == wanted:
        return
    for _section, specs in visible_for_session().items():
        for spec in specs:
            if Path(spec.path).stem == wanted:
                st.switch_page(spec.path)


def visible_for_session() -> dict[str, list[PageSpec]]:
    scope = signed_in.scope()
    return visible(scope.role) if scope is not None else {}
