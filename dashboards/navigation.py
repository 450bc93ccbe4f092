"""Which pages the signed-in user's role sees, grouped and titled in their language.

A page is listed when the role has the right the page needs (``rights.MATRIX``): a
manager sees no clerk forms, an analyst only the Insights pages. The services still
check every action (and a scoped user's division) when a form is submitted; hiding a page
only spares the user a form they could never submit.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

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
