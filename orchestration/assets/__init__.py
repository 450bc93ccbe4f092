"""Assets: the extract into raw, the dbt models, the published warehouse."""
