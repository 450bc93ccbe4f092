"""Pieces the clerk forms share: feedback, the invoice form, the wholesale pickers.

The grids' column set-ups, which report tables use too, are in :mod:`dashboards.grid_columns`.
"""
