"""Opening a page as a signed-in user without going through the sign-in form.

The Users and Audit trail tests are about those pages, not about signing in (the sign-in
form has its own tests): the session holds what ``dashboards.signed_in.start`` keeps
after a successful sign-in, so a fault in the form cannot hide a fault of the pages.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from streamlit.testing.v1 import AppTest

from dashboards import signed_in
from tests.dashboards.apptest_helpers import user_id
from tests.dashboards.conftest import APP


def open_signed_in(page: str | None = None, *, user: str = "admin") -> AppTest:
    """The app on ``page`` (relative to dashboards/), signed in as demo user ``user``."""
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.session_state[signed_in.SIGNED_IN] = user_id(os.environ["ERP_DATABASE_URL"], user)
    at.session_state[signed_in.LAST_SEEN] = datetime.now(UTC)
    at.session_state[signed_in.METHOD] = "password"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    if page is not None:
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
    return at
