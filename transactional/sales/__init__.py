"""Sales (issue 3)."""
