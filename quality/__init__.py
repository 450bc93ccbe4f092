"""Data quality of the warehouse: great-expectations suites and reconciliation rules."""
