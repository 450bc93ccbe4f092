"""Resources: where the transactional database and the warehouse are, and dbt."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging.version import Version

from orchestration import publish
from orchestration.project import dbt_executable, erp_project
from transactional import settings


class ErpWarehouse(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The transactional source and the warehouse folder.

    Left empty, both come from the environment when a run starts (ERP_DATABASE_URL,
    ERP_WAREHOUSE_DIR, with the embedded defaults of transactional.settings), never
    at import time.
    """

    database_url: str | None = None
    warehouse_dir: str | None = None

    def source_url(self) -> str:
        return self.database_url or settings.database_url()

    def directory(self) -> Path:
        if self.warehouse_dir:
            path = Path(self.warehouse_dir).resolve()
            path.mkdir(parents=True, exist_ok=True)
            return path
        return settings.warehouse_dir()

    def build_path(self) -> Path:
        return publish.build_path(self.directory())

    def spark_directory(self) -> Path:
        """Spark's working folder (raw Parquet, tables, metastore): ``<dir>/spark``."""
        path = self.directory() / "spark"
        path.mkdir(parents=True, exist_ok=True)
        return path


class ErpDbtCliResource(DbtCliResource):
    """dbt, minus two start-up costs dagster-dbt pays before every command.

    It runs ``dbt --version`` in a subprocess to learn the version, and opens an
    in-process dbt adapter that only serves the optional row-count and column metadata,
    which this project does not fetch. Together that is seconds of every refresh. The
    executable is the dbt of this environment, so its version is dbt-core's.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def build_resources() -> dict[str, object]:
    return {
        "dbt": ErpDbtCliResource(
            project_dir=erp_project,  # type: ignore[arg-type]  # DbtCliResource accepts a DbtProject
            dbt_executable=dbt_executable(),
        ),
        "warehouse": ErpWarehouse(),
    }
