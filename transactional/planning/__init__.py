"""Planning logic: the what-if engine (scenario drivers -> P&L, cash, balance sheet).

Pure Python, no Streamlit and no database: the pages load the baseline from the marts
(:mod:`dashboards.queries.whatif_baseline`) and write accepted scenarios back as budget
versions through :mod:`transactional.budgets`.
"""
