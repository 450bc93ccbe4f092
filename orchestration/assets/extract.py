"""The extract-load asset: transactional database -> raw schema of the build warehouse."""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

import time

import dagster as dg
from pydantic import Field

from ingestion.extract_load import extract_load
from ingestion.raw_parquet import export_raw
from orchestration.build_lock import holding_build
from orchestration.resources import ErpWarehouse
from orchestration.stages import stage
from transactional import settings

EXTRACT_KEY = dg.AssetKey("erp_extract")


class ExtractConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Check the append-only tables against the source (rows, highest and sum "
        "of ids) and reload any that differ.",
    )
    reload_raw: bool = Field(
        default=False, description="Reload the append-only tables from scratch."
    )


@dg.asset(
    key=EXTRACT_KEY,
    group_name="extract",
    kinds={"python", "duckdb"},
    description=(
        "Every transactional table copied into the raw schema of the build warehouse: "
        "the append-only tables (ledger, posted invoices and payments, audit log) "
        "incrementally by id, the rest replaced."
    ),
)
def erp_extract(
    context: dg.AssetExecutionContext, warehouse: ErpWarehouse, config: ExtractConfig
) -> dg.MaterializeResult:
    started = time.perf_counter()
    with holding_build(warehouse.directory(), on_wait=context.log.info):
        with stage("extract"):
            counts = extract_load(
                warehouse.source_url(),
                warehouse.build_path(),
                progress=lambda table, rows: context.log.debug(f"raw.{table}: {rows} rows"),
                full=config.reload_raw,
                verify=config.full_refresh,
            )
        # Spark reads the raw layer from Parquet files (docs/spark.md).
        if settings.warehouse_engine() == "spark":
            with stage("raw layer as Parquet for Spark"):
                export_raw(warehouse.build_path(), warehouse.spark_directory())
    seconds = time.perf_counter() - started
    total = sum(counts.values())
    context.log.info(f"Loaded {total} rows in {seconds:.1f}s into {warehouse.build_path()}")
    return dg.MaterializeResult(
        metadata={
            "rows_loaded": total,
            "journal_lines_loaded": counts.get("journal_line", 0),
            "seconds": round(seconds, 2),
            "warehouse": dg.MetadataValue.path(str(warehouse.build_path())),
            "rows_by_table": dg.MetadataValue.json(counts),
        }
    )
