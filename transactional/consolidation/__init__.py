"""Group consolidation: structure, group chart and mapping, top-side entries, loaders."""
