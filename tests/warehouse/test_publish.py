"""Publishing: new versions switch atomically, readers keep theirs, three are kept; a
delta on the full copy reads as the build's marts, and falls back to a full copy when the
marts no longer line up with that copy."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish import (
    KEEP_VERSIONS,
    Publication,
    build_path,
    connect,
    current_publication,
    publish,
    publish_delta,
    published_deltas,
    published_dir,
    published_versions,
)


def build(warehouse_dir: Path, marker: int) -> Path:
    path = build_path(warehouse_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create or replace table main.marker as select ? as version", [marker])
    return path


def marker(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as connection:
        row = connection.execute("select version from main.marker").fetchone()
    assert row is not None
    return int(row[0])


def test_nothing_published_yet(tmp_path: Path) -> None:
    assert current_publication(tmp_path) is None
    with pytest.raises(FileNotFoundError, match="run the refresh"):
        publish(build_path(tmp_path), tmp_path)


def test_publish_switches_pointer_and_keeps_three(tmp_path: Path) -> None:
    first = publish(build(tmp_path, 1), tmp_path)
    assert current_publication(tmp_path) == Publication(first)
    assert (published_dir(tmp_path) / "CURRENT").read_text().strip() == first.name
    assert first.name.startswith("warehouse-") and first.name.endswith("Z.duckdb")

    # A dashboard holding the first version keeps reading it while newer ones arrive.
    reader = duckdb.connect(str(first), read_only=True)
    try:
        names = [first.name]
        for version in range(2, 6):
            names.append(publish(build(tmp_path, version), tmp_path).name)
            latest = current_publication(tmp_path)
            assert latest is not None and marker(latest.base) == version
        assert reader.execute("select version from main.marker").fetchone() == (1,)
    finally:
        reader.close()
    kept = [p.name for p in published_versions(tmp_path)]
    assert kept == names[-KEEP_VERSIONS:]
    assert not list(published_dir(tmp_path).glob(".*"))  # no temporary files left


def test_published_file_is_independent_of_the_build(tmp_path: Path) -> None:
    published = publish(build(tmp_path, 7), tmp_path)
    build(tmp_path, 8)  # the next refresh writes the build file again
    assert marker(published) == 7


def test_published_versions_kept_follow_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERP_PUBLISHED_VERSIONS", "1")
    # A reader of the first version keeps it even when only one version is kept on disk.
    first = publish(build(tmp_path, 1), tmp_path)
    reader = duckdb.connect(str(first), read_only=True)
    try:
        second = publish(build(tmp_path, 2), tmp_path)
        assert [p.name for p in published_versions(tmp_path)] == [second.name]
        assert reader.execute("select version from main.marker").fetchone() == (1,)
    finally:
        reader.close()
    monkeypatch.setenv("ERP_PUBLISHED_VERSIONS", "none")
    with pytest.raises(ValueError, match="ERP_PUBLISHED_VERSIONS must be a whole number"):
        publish(build(tmp_path, 3), tmp_path)


# --- deltas ----------------------------------------------------------------------------------
FACT = {"fact": "line_id"}  # the append-only mart and its key, as the manifest gives them


def ledger(warehouse_dir: Path, lines: range, label: str = "first") -> Path:
    """A build with an append-only fact, a replaced mart and a raw table."""
    path = build_path(warehouse_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists raw")
        connection.execute("create or replace table raw.source as select 1 as id")
        connection.execute(
            "create or replace table main.fact as "
            "select range as line_id, range * 0.01 as amount from range(?, ?)",
            [lines.start, lines.stop],
        )
        connection.execute(
            "create or replace table main.summary as "
            "select ? as label, sum(amount) as total, count(*) as lines from main.fact",
            [label],
        )
    return path


def post(build: Path, lines: range) -> None:
    """What a quick build does: append to the fact, rebuild the summary."""
    with duckdb.connect(str(build)) as connection:
        connection.execute(
            "insert into main.fact select range, range * 0.01 from range(?, ?)",
            [lines.start, lines.stop],
        )
        connection.execute(
            "create or replace table main.summary as "
            "select 'posted' as label, sum(amount) as total, count(*) as lines from main.fact"
        )


def marts(connection: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        table: sorted(connection.execute(f"select * from main.{table}").fetchall())
        for table in ("fact", "summary")
    }


def test_delta_reads_as_the_build(tmp_path: Path) -> None:
    build = ledger(tmp_path, range(0, 1000))
    full = publish(build, tmp_path)
    post(build, range(1000, 1003))

    publication = publish_delta(build, FACT, tmp_path)

    assert publication.base == full and publication.delta is not None
    assert current_publication(tmp_path) == publication
    assert (published_dir(tmp_path) / "CURRENT").read_text().split() == [
        full.name,
        publication.delta.name,
    ]
    # The delta holds the new fact rows only and the summary whole.
    with duckdb.connect(str(publication.delta), read_only=True) as delta:
        assert delta.execute("select line_id from main.fact order by 1").fetchall() == [
            (1000,),
            (1001,),
            (1002,),
        ]
        assert delta.execute("select * from published_layer.marts order by 1").fetchall() == [
            ("fact", "append"),
            ("summary", "replace"),
        ]
    with duckdb.connect(str(build), read_only=True) as source:
        expected = marts(source)
    reader = connect(publication)
    try:
        assert marts(reader) == expected
        # Every cursor (the dashboards' per-query handle) sees the same marts.
        assert marts(reader.cursor()) == expected
    finally:
        reader.close()
    # The full copy is untouched: a reader of it keeps the books as they were.
    with duckdb.connect(str(full), read_only=True) as old:
        assert old.execute("select count(*), max(line_id) from main.fact").fetchone() == (1000, 999)


def test_each_delta_holds_everything_since_the_full_copy(tmp_path: Path) -> None:
    build = ledger(tmp_path, range(0, 100))
    full = publish(build, tmp_path)
    post(build, range(100, 110))
    first = publish_delta(build, FACT, tmp_path)
    post(build, range(110, 115))
    second = publish_delta(build, FACT, tmp_path)

    assert second.base == full and second.delta not in (None, first.delta)
    with connect(second) as reader:
        assert reader.execute("select count(*), max(line_id) from main.fact").fetchone() == (
            115,
            114,
        )
        assert reader.execute("select lines from main.summary").fetchone() == (115,)
    # The earlier pair still reads as it was published (a dashboard may hold it).
    with connect(first) as reader:
        assert reader.execute("select count(*) from main.fact").fetchone() == (110,)


@pytest.mark.parametrize(
    "change",
    [
        "create table main.new_mart as select 1 as x",
        "drop table main.summary",
        "alter table main.summary add column note varchar",
        "delete from main.fact where line_id = 5",
        "update main.fact set line_id = line_id + 10000 where line_id = 7",
    ],
    ids=["mart added", "mart dropped", "columns changed", "fact row gone", "fact key changed"],
)
def test_delta_falls_back_to_a_full_copy_when_the_marts_do_not_line_up(
    tmp_path: Path, change: str
) -> None:
    build = ledger(tmp_path, range(0, 100))
    full = publish(build, tmp_path)
    post(build, range(100, 101))
    with duckdb.connect(str(build)) as connection:
        connection.execute(change)

    publication = publish_delta(build, FACT, tmp_path)

    assert publication.delta is None and publication.base != full
    with duckdb.connect(str(build), read_only=True) as source, connect(publication) as reader:
        assert sorted(reader.execute("select * from main.fact").fetchall()) == sorted(
            source.execute("select * from main.fact").fetchall()
        )


def test_first_publication_of_a_quick_refresh_is_a_full_copy(tmp_path: Path) -> None:
    build = ledger(tmp_path, range(0, 10))
    publication = publish_delta(build, FACT, tmp_path)
    assert publication.delta is None
    assert published_versions(tmp_path) == [publication.base]


def test_deltas_kept_follow_the_setting_and_never_the_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERP_PUBLISHED_VERSIONS", "2")
    build = ledger(tmp_path, range(0, 10))
    publish(build, tmp_path)
    deltas = []
    for start in range(10, 50, 10):
        post(build, range(start, start + 10))
        delta = publish_delta(build, FACT, tmp_path).delta
        assert delta is not None
        deltas.append(delta)
    assert published_deltas(tmp_path) == deltas[-2:]
    # A full refresh's copy replaces the pair; the last deltas stay for their readers.
    full = publish(build, tmp_path)
    assert current_publication(tmp_path) == Publication(full)
    assert published_deltas(tmp_path) == deltas[-2:]
    assert not list(published_dir(tmp_path).glob(".*"))
