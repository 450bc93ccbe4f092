"""Publishing: new versions switch atomically, readers keep theirs, three are kept."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish import (
    KEEP_VERSIONS,
    build_path,
    publish,
    published_dir,
    published_path,
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
    assert published_path(tmp_path) is None
    with pytest.raises(FileNotFoundError, match="run the refresh"):
        publish(build_path(tmp_path), tmp_path)


def test_publish_switches_pointer_and_keeps_three(tmp_path: Path) -> None:
    first = publish(build(tmp_path, 1), tmp_path)
    assert published_path(tmp_path) == first
    assert (published_dir(tmp_path) / "CURRENT").read_text().strip() == first.name
    assert first.name.startswith("warehouse-") and first.name.endswith("Z.duckdb")

    # A dashboard holding the first version keeps reading it while newer ones arrive.
    reader = duckdb.connect(str(first), read_only=True)
    try:
        names = [first.name]
        for version in range(2, 6):
            names.append(publish(build(tmp_path, version), tmp_path).name)
            assert marker(published_path(tmp_path) or tmp_path) == version
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
