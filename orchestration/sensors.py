"""Sensors: a quick refresh when new postings exist in the transactional database.

The cursor is the highest journal_entry id seen; posted entries are append-only, so a
higher id means something new to show. No run is requested while a refresh (quick or
full) is queued or running (one writer of the build file at a time).
"""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

import dagster as dg
from sqlalchemy import func, select

from orchestration.jobs import WAREHOUSE_TAG
from orchestration.quick_refresh import quick_refresh_job
from orchestration.resources import ErpWarehouse
from transactional.database import engine_for
from transactional.finance.models import JournalEntry

ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def latest_entry_id(database_url: str) -> int:
    """The highest journal entry id in the transactional database (0 when none)."""
    with engine_for(database_url).connect() as connection:
        value = connection.execute(select(func.max(JournalEntry.id))).scalar()  # type: ignore[arg-type]
    return int(value or 0)


@dg.sensor(
    name="new_postings",
    job=quick_refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Start a quick refresh (new rows, tables, blocking checks, publish) when journal "
        "entries were posted since the last one."
    ),
)
def new_postings_sensor(
    context: dg.SensorEvaluationContext, warehouse: ErpWarehouse
) -> dg.SensorResult | dg.SkipReason:
    latest = latest_entry_id(warehouse.source_url())
    seen = int(context.cursor or 0)
    if latest <= seen:
        return dg.SkipReason(f"No new postings (latest entry {latest}).")
    active = context.instance.get_runs(
        filters=dg.RunsFilter(tags=WAREHOUSE_TAG, statuses=ACTIVE), limit=1
    )
    if active:
        return dg.SkipReason("A refresh is already queued or running; trying again later.")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"entries-up-to-{latest}")],
        cursor=str(latest),
    )
