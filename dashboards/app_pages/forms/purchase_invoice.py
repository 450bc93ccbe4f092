"""Clerk form: a purchase invoice from a supplier."""

from __future__ import annotations

from dashboards.invoice_form import invoice_form

invoice_form("purchase")
