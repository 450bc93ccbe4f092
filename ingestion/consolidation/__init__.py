"""Reading the consolidation files (trial balances of non-ERP units, group structure,
account mapping) into the typed rows of the loaders in ``transactional.consolidation``."""
