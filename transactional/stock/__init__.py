"""Stock (issue 3)."""
