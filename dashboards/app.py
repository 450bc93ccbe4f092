"""Entry point of the Insights app: shared sidebar, then route to the page.

Run with ``streamlit run dashboards/app.py``.

Every run starts with the signed-in user (``dashboards.signed_in``): without one only the
sign-in form runs. The navigation lists the pages the user's role may use and the
warehouse is read through a connection holding only the user's divisions.

The page scripts live in ``app_pages/``, not ``pages/``: Streamlit treats a ``pages/``
folder beside the entry script as a legacy multipage app and then runs those files
without this script (so without the shared sidebar), whatever ``st.navigation`` says.
"""

from __future__ import annotations

import streamlit as st

from dashboards import navigation, sidebar, sign_in_form, signed_in, warehouse
from dashboards.language import _, current_locale
from transactional.typed_numbers import typing_in

st.set_page_config(page_title="ERP Insights", page_icon=":material/insights:", layout="wide")

user = signed_in.current()
if user is None:
    # Nothing but the sign-in form runs before a user has signed in: no page, no query.
    sign_in_form.show()
    st.stop()

# Expanded: collapsed, Streamlit hid the forms and the administration behind "View N more".
page = st.navigation(navigation.pages(user.role), expanded=True)
navigation.follow_requested_page(page)

published = warehouse.current(user.divisions)
st.session_state[sidebar.WAREHOUSE] = published
with st.sidebar:
    if published is None:
        st.session_state[sidebar.SELECTION] = None
        st.warning(_(sidebar.NOT_PUBLISHED))
    else:
        st.session_state[sidebar.SELECTION] = sidebar.insights_filters(published)
        st.caption(_("Reading warehouse `{version}`", version=published.version))
    st.divider()
    sidebar.account(user)

# Whatever the page reads from what the user typed (running totals, previews, postings)
# is read in the user's number format.
with typing_in(current_locale()):
    page.run()
