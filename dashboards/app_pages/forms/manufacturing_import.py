"""Manufacturing form: import the files a manufacturer brings (docs/manufacturing.md
section 7): work centres, items, bills of materials, routings, a sales plan and opening
stock; a dry run listing what would change, then the load."""

from __future__ import annotations

import streamlit as st

from dashboards.language import _


def main() -> None:
    st.title(_("Manufacturing import"))


main()
