"""Pieces the clerk forms share: feedback, grid columns, the invoice form, the wholesale pickers."""
