"""Readers for outside data and the deterministic demo-company generator."""
