"""Jobs: ``refresh`` = extract, dbt build (with all its tests), every check, publish.

The lighter ``quick_refresh`` job (after new postings) is in orchestration.quick_refresh.
"""

from __future__ import annotations

import dagster as dg

# One writer of the build file at a time: dagster.yaml limits runs with this tag to one.
WAREHOUSE_TAG = {"erp/warehouse": "build"}

refresh_job = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(),
    description="Extract the transactional database, build and test the warehouse, publish it.",
    tags=WAREHOUSE_TAG,
)
