"""dbt's run folders (models/target/runs/<run>) are pruned to the newest few, but never
one a running dbt still writes: refreshes of other warehouses (and test workers) share
the folder, and a long Spark build outlasts many quick refreshes."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.assets.dbt import KEEP_TARGETS, _in_use, prune_targets


def _runs(tmp_path: Path, count: int) -> list[Path]:
    folders = []
    for number in range(count):
        folder = tmp_path / f"run-{number}"
        (folder / "run").mkdir(parents=True)
        os.utime(folder, (1_000_000 + number, 1_000_000 + number))  # run-0 oldest
        folders.append(folder)
    return folders


def test_old_folders_go_and_the_newest_stay(tmp_path: Path) -> None:
    folders = _runs(tmp_path, KEEP_TARGETS + 3)
    prune_targets(tmp_path)
    assert [f.exists() for f in folders] == [False] * 3 + [True] * KEEP_TARGETS


def test_a_folder_in_use_is_kept_however_old(tmp_path: Path) -> None:
    folders = _runs(tmp_path, KEEP_TARGETS + 3)
    oldest = folders[0]
    with _in_use(oldest):
        os.utime(oldest, (1_000_000, 1_000_000))  # the marker touched it: old again
        prune_targets(tmp_path)
        assert oldest.exists() and (oldest / "run").is_dir()
    assert not folders[1].exists() and not folders[2].exists()
    # Once its dbt is done, the next prune removes it.
    prune_targets(tmp_path)
    assert not oldest.exists()
