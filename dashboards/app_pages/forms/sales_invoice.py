"""Clerk form: a sales invoice to a customer."""

from __future__ import annotations

from dashboards.forms.invoice_form import invoice_form

invoice_form("sales")
