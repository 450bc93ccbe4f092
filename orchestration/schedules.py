"""Schedules: an hourly refresh, off until switched on in the UI."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import refresh_job

hourly_refresh = dg.ScheduleDefinition(
    name="hourly_refresh",
    job=refresh_job,
    cron_schedule="0 * * * *",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Refresh the warehouse every hour.",
)
