"""Orchestration: dagster definitions (extract, dbt, publish), checks, jobs, the CLI."""
