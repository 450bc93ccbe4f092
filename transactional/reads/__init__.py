"""Read-only queries of the transactional database for the forms' dropdowns and grids.

No writes and no commits: every write goes through the services.
"""
