"""Purchasing (issue 3)."""
