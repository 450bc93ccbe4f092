"""One refresh at a time on a build file (orchestration.build_lock): the next one waits
its turn, says so once, and gives up with a clear message after ERP_REFRESH_WAIT."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from orchestration.build_lock import (
    WAITING_MESSAGE,
    BuildBusy,
    holding_build,
    lock_path,
    wait_seconds,
)

HOLDER = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_in_another_process(tmp_path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process (a refresh of the dagster UI, say) holding the build file."""
    path = lock_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_refresh_waits_for_the_running_one_and_says_so(tmp_path: Path) -> None:
    holder = hold_in_another_process(tmp_path, 1.5)
    told: list[str] = []
    started = time.monotonic()
    try:
        with holding_build(tmp_path, timeout=60, on_wait=told.append):
            waited = time.monotonic() - started
            assert holder.poll() is not None  # it went first
    finally:
        holder.kill()
        holder.wait()
    assert waited >= 1.0
    assert told == [WAITING_MESSAGE]


def test_a_refresh_gives_up_after_the_wait_with_a_clear_message(tmp_path: Path) -> None:
    holder = hold_in_another_process(tmp_path, 30)
    try:
        with (
            pytest.raises(BuildBusy, match="another refresh has held the warehouse build"),
            holding_build(tmp_path, timeout=0.5),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    # Its holder gone (killed, even), the build file is free at once.
    with holding_build(tmp_path, timeout=0):
        pass


def test_the_lock_is_reentrant_per_thread_and_exclusive_between_threads(tmp_path: Path) -> None:
    order: list[str] = []
    inner_entered = threading.Event()

    def other_thread() -> None:
        with holding_build(tmp_path, timeout=30):
            order.append("other")

    with holding_build(tmp_path, timeout=0):
        # A step of the run that holds the lock does not wait for itself.
        with holding_build(tmp_path, timeout=0):
            inner_entered.set()
        thread = threading.Thread(target=other_thread)
        thread.start()
        time.sleep(0.5)
        order.append("first")
    thread.join(timeout=30)
    assert inner_entered.is_set()
    assert order == ["first", "other"]


def test_the_wait_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_REFRESH_WAIT", "30")
    assert wait_seconds() == 30
    monkeypatch.setenv("ERP_REFRESH_WAIT", "soon")
    with pytest.raises(ValueError, match="ERP_REFRESH_WAIT must be a number of seconds"):
        wait_seconds()
    monkeypatch.delenv("ERP_REFRESH_WAIT")
    assert wait_seconds() == 900
