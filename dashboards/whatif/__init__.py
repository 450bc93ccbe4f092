"""The what-if engine: baseline figures from the published marts, drivers, scenario.

Plain Python (no Streamlit): :mod:`dashboards.whatif.engine` holds the data classes and the
pure, deterministic :func:`~dashboards.whatif.engine.run`;
:mod:`dashboards.whatif.baseline` loads a :class:`~dashboards.whatif.engine.Baseline` from a
published warehouse file. The contract is docs/budgets.md, "What-if engine".
"""
