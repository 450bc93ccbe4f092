"""`erp manufacturing ...`: help, every example file of docs/examples/manufacturing imported
end to end (dry run, load, second load), opening stock posted once, one-line refusals
that write nothing, and an MRP run on what was imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_consolidation import company, one_line_error, scalar  # noqa: F401
from tests.test_cli_users import erp

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples" / "manufacturing"
ORDER = ("work-centres", "items", "boms", "routings", "sales-plan")
COMMANDS = [["manufacturing"], ["manufacturing", "import"], ["manufacturing", "mrp"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_manufacturing_command_has_help(command: list[str]) -> None:
    result = erp(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "--help" in result.stdout


def test_the_kinds_are_the_readers_kinds() -> None:
    from ingestion.manufacturing.files import KINDS
    from orchestration.cli import ManufacturingKind

    assert tuple(k.value for k in ManufacturingKind) == KINDS


def add_warehouse(url: str) -> None:
    from tests.transactional.company import user
    from transactional.database import make_engine, session_scope
    from transactional.wholesale.items import create_warehouse

    engine = make_engine(url)
    with session_scope(engine) as s:
        create_warehouse(session=s, user=user(s, "admin"), division="HOLD", code="MAIN", name="M")
    engine.dispose()


def test_import_every_example_then_plan(company: str) -> None:  # noqa: F811
    env = {"ERP_DATABASE_URL": company}
    dry = erp(
        "manufacturing",
        "import",
        "work-centres",
        str(EXAMPLES / "work-centres.csv"),
        "-d",
        "HOLD",
        "--dry-run",
        env=env,
    )
    assert dry.returncode == 0, dry.stderr
    assert [line.split()[:3] for line in dry.stdout.splitlines()[1:]] == [
        ["2", "LINE", "create"],
        ["3", "ROBOT", "create"],
        ["4", "COAT", "create"],
    ]
    assert "Dry run of work-centres.csv: 3 changes; nothing written." in dry.stderr
    assert scalar(company, "select count(*) from work_centre") == 0
    for kind in ORDER:
        loaded = erp(
            "manufacturing", "import", kind, str(EXAMPLES / f"{kind}.csv"), "-d", "HOLD", env=env
        )
        assert loaded.returncode == 0, loaded.stderr
        assert "changes made" in loaded.stderr and " 0 changes" not in loaded.stderr
        again = erp(
            "manufacturing", "import", kind, str(EXAMPLES / f"{kind}.csv"), "-d", "HOLD", env=env
        )
        assert again.returncode == 0, again.stderr
        assert f"{kind}.csv: 0 changes made." in again.stderr
        assert {line.split()[-1] for line in again.stdout.splitlines()[1:]} == {"unchanged"}
    assert scalar(company, "select count(*) from bom_operation") == 3

    add_warehouse(company)
    stock = str(EXAMPLES / "opening-stock.csv")
    posted = erp(
        "manufacturing",
        "import",
        "opening-stock",
        stock,
        "-d",
        "HOLD",
        "--on",
        "2025-01-01",
        "--as",
        "clerk",
        env=env,
    )
    assert posted.returncode == 0, posted.stderr
    assert "Posted OS2025-00001" in posted.stderr and "3 differences" in posted.stderr
    assert "3,900.00" in posted.stdout  # 500 m of tube at 7.80
    again = erp(
        "manufacturing",
        "import",
        "opening-stock",
        stock,
        "-d",
        "HOLD",
        "--on",
        "2025-01-01",
        env=env,
    )
    assert again.returncode == 0, again.stderr
    assert "the stock on hand already matches; nothing posted" in again.stderr
    assert scalar(company, "select count(*) from stock_movement") == 3

    plan = erp(
        "manufacturing",
        "mrp",
        "-d",
        "HOLD",
        "--start",
        "2026-01-05",
        "--buckets",
        "8",
        "--as",
        "clerk",
        env=env,
    )
    assert plan.returncode == 0, plan.stderr
    assert "MRP run" in plan.stderr and "for HOLD from 2026-01-05 (8 x week)" in plan.stderr
    assert any(line.split()[:2] == ["BIKE-100", "make"] for line in plan.stdout.splitlines())
    assert scalar(company, "select count(*) from mrp_run") == 1


def test_refusals_are_one_line_and_write_nothing(company: str, tmp_path: Path) -> None:  # noqa: F811
    env = {"ERP_DATABASE_URL": company}
    bad = tmp_path / "centres.csv"
    bad.write_text("code;name;labour_rate\nA1;Cell A;40\nA2;Cell B;40,123\n", encoding="utf-8")
    assert one_line_error(
        erp("manufacturing", "import", "work-centres", str(bad), "-d", "HOLD", env=env)
    ) == (
        "Error: centres.csv: Row 3, column labour_rate: 40.123 has more decimals than EUR has "
        "(2); amounts are not rounded."
    )
    assert one_line_error(
        erp(
            "manufacturing",
            "import",
            "items",
            str(EXAMPLES / "items.csv"),
            "-d",
            "HOLD",
            "--as",
            "clerk",
            env=env,
        )
    ).startswith("Error: items.csv: A clerk may not ")
    assert (
        one_line_error(
            erp(
                "manufacturing",
                "import",
                "items",
                str(EXAMPLES / "items.csv"),
                "-d",
                "XX01",
                env=env,
            )
        )
        == "Error: items.csv: Division 'XX01' does not exist."
    )
    assert one_line_error(
        erp("manufacturing", "import", "boms", str(tmp_path / "missing.csv"), "-d", "HOLD", env=env)
    ).startswith("Error: missing.csv: The file ")
    assert (
        one_line_error(
            erp(
                "manufacturing",
                "import",
                "opening-stock",
                str(EXAMPLES / "opening-stock.csv"),
                "-d",
                "HOLD",
                "--on",
                "someday",
                env=env,
            )
        )
        == "Error: --on 'someday' is not a date; use YYYY-MM-DD or DD-MM-YYYY."
    )
    assert scalar(company, "select count(*) from work_centre") == 0
    assert scalar(company, "select count(*) from item") == 0
