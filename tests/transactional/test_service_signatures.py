"""Every service takes its arguments by keyword: ``f(*, session, user, ...)``.

A positional call such as ``deliver(session, user, 5, "2025-04-02")`` reads as anything;
with keywords the call says which number is the order and which the date, and the
signature can grow without breaking callers. New modules copy what they find, so the
rule is checked over every public function of the package that takes a session and the
acting user.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import transactional
from transactional.sales import deliveries

# The rights check itself is called positionally by every service (rights.require(session,
# user, action, division)); purchasing's load_order is a lookup that checks the right.
NOT_SERVICES = {
    "transactional.organisation.rights.allowed_divisions",
    "transactional.organisation.rights.can",
    "transactional.organisation.rights.require",
    "transactional.purchasing.receipts.load_order",
}


def services() -> list[str]:
    found = []
    for info in pkgutil.walk_packages(transactional.__path__, "transactional."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ != module.__name__:
                continue  # imported from elsewhere: checked where it is defined
            params = inspect.signature(fn).parameters
            if "session" in params and "user" in params:
                found.append(f"{module.__name__}.{name}")
    return sorted(found)


def test_every_service_is_keyword_only() -> None:
    positional = []
    for path in services():
        if path in NOT_SERVICES:
            continue
        module, name = path.rsplit(".", 1)
        fn = getattr(importlib.import_module(module), name)
        names = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if names:
            positional.append(f"{path}({', '.join(names)})")
    assert positional == []


def test_the_sales_services_are_among_those_checked() -> None:
    checked = set(services())
    for name in (
        "orders.create_quote",
        "orders.create_order",
        "orders.confirm_quote",
        "orders.cancel_order",
        "orders.create_salesperson",
        "orders.assign_salesperson",
        "deliveries.deliver",
        "invoicing.invoice_order",
        "invoicing.invoice_orders",
        "returns.return_goods",
    ):
        assert f"transactional.sales.{name}" in checked


def test_a_positional_call_is_refused() -> None:
    with pytest.raises(TypeError, match="positional"):
        deliveries.deliver(None, None, 1, "2025-04-02")  # type: ignore[misc]
