"""Transactional layer: SQLModel tables and the services, the only writers of business data."""
