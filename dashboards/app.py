"""Entry point of the Insights app: shared sidebar, then route to the page.

Run with ``streamlit run dashboards/app.py``.

The page scripts live in ``app_pages/``, not ``pages/``: Streamlit treats a ``pages/``
folder beside the entry script as a legacy multipage app and then runs those files
without this script (so without the shared sidebar), whatever ``st.navigation`` says.
"""

from __future__ import annotations

import streamlit as st

from dashboards import sidebar, warehouse

st.set_page_config(page_title="ERP Insights", page_icon=":material/insights:", layout="wide")

pages = {
    "Insights": [
        st.Page("app_pages/finance.py", title="Finance", icon=":material/account_balance:"),
        st.Page("app_pages/wholesale.py", title="Wholesale", icon=":material/inventory_2:"),
        st.Page("app_pages/whatif.py", title="What-if", icon=":material/tune:"),
        st.Page("app_pages/budgets.py", title="Budgets", icon=":material/request_quote:"),
        st.Page("app_pages/alerts.py", title="Alerts", icon=":material/notifications:"),
    ],
    "Clerk forms": [
        st.Page(
            "app_pages/forms/journal_entry.py", title="Journal entry", icon=":material/edit_note:"
        ),
        st.Page(
            "app_pages/forms/sales_invoice.py",
            title="Sales invoice",
            icon=":material/receipt_long:",
        ),
        st.Page(
            "app_pages/forms/purchase_invoice.py",
            title="Purchase invoice",
            icon=":material/receipt:",
        ),
        st.Page("app_pages/forms/payment.py", title="Payment", icon=":material/payments:"),
        st.Page(
            "app_pages/forms/sales_order.py", title="Sales order", icon=":material/shopping_cart:"
        ),
        st.Page("app_pages/forms/delivery.py", title="Delivery", icon=":material/local_shipping:"),
        st.Page(
            "app_pages/forms/goods_receipt.py", title="Goods receipt", icon=":material/inventory:"
        ),
        st.Page(
            "app_pages/forms/customer_return.py",
            title="Customer return",
            icon=":material/assignment_return:",
        ),
        st.Page(
            "app_pages/forms/stock_transfer.py",
            title="Stock transfer",
            icon=":material/swap_horiz:",
        ),
        st.Page("app_pages/forms/stock_count.py", title="Stock count", icon=":material/checklist:"),
    ],
}
page = st.navigation(pages)

published = warehouse.current()
st.session_state[sidebar.WAREHOUSE] = published
with st.sidebar:
    if published is None:
        st.session_state[sidebar.SELECTION] = None
        st.warning(sidebar.NOT_PUBLISHED)
    else:
        st.session_state[sidebar.SELECTION] = sidebar.insights_filters(published)
        st.caption(f"Reading warehouse `{published.version}`")
    st.divider()
    sidebar.acting_user()

page.run()
