"""Budgets, budget versions and alert settings (issue 4)."""
