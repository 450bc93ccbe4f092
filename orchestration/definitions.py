"""The dagster code location: ``dagster dev -m orchestration.definitions``."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import erp_dbt_models
from orchestration.assets.extract import erp_extract
from orchestration.assets.published import published_warehouse
from orchestration.checks import all_checks
from orchestration.jobs import refresh_job
from orchestration.quick_refresh import quick_refresh_job
from orchestration.resources import build_resources
from orchestration.schedules import hourly_refresh
from orchestration.sensors import new_postings_sensor

defs = dg.Definitions(
    assets=[erp_extract, erp_dbt_models, published_warehouse],
    asset_checks=all_checks,
    jobs=[refresh_job, quick_refresh_job],
    schedules=[hourly_refresh],
    sensors=[new_postings_sensor],
    resources=build_resources(),
)
