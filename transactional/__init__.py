"""Transactional layer: SQLModel tables and the services that are the only writers of business data."""
