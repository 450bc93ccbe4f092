"""Caching of report queries, keyed by the published warehouse file.

Every query function takes the :class:`~dashboards.warehouse.PublishedWarehouse` as its
first argument; its path (the published file name) is part of the cache key, so a new
publication is read on the next rerun and old entries age out (bounded by ttl/entries).
Only DataFrames are cached, never a connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import pandas as pd
import streamlit as st

TTL_SECONDS = 600
MAX_ENTRIES = 256

P = ParamSpec("P")
R = TypeVar("R", bound=pd.DataFrame)


def cached(query: Callable[P, R]) -> Callable[P, R]:
    """The query with its results cached (same function -> same cache across reruns)."""
    return st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)(query)
