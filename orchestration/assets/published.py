"""The published warehouse: a copy of the build, switched in atomically for the dashboards."""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

import dagster as dg

from orchestration import publish
from orchestration.build_lock import holding_build
from orchestration.resources import ErpWarehouse
from orchestration.stages import stage


def build_published_warehouse(marts: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The published warehouse asset, downstream of every mart in ``marts``."""

    @dg.asset(
        key="published_warehouse",
        group_name="publish",
        deps=marts,
        kinds={"duckdb"},
        description=(
            "The build warehouse copied to published/warehouse-<UTC timestamp>.duckdb with "
            "the pointer file published/CURRENT switched to it (docs/marts.md, Publishing). "
            "Runs only when every mart is built and the blocking checks passed."
        ),
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, warehouse: ErpWarehouse
    ) -> dg.MaterializeResult:
        with holding_build(warehouse.directory(), on_wait=context.log.info), stage("publish"):
            path = publish.publish(warehouse.build_path(), warehouse.directory())
        context.log.info(f"Published {path.name}")
        return dg.MaterializeResult(
            metadata={
                "published": dg.MetadataValue.path(str(path)),
                "version": path.name,
                "size_mb": round(path.stat().st_size / 1_000_000, 2),
            }
        )

    return published_warehouse
