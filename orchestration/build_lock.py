"""One refresh at a time on a warehouse's build file, across processes.

DuckDB lets one process open the build file for writing; a second refresh (``erp refresh``
while the dagster UI runs one, the dashboards' *Refresh warehouse now* during the hourly
schedule) failed on DuckDB's lock ("Could not set lock on file"). Now each refresh takes
an exclusive ``flock`` on ``<warehouse dir>/build/.refresh.lock`` and the next one waits
its turn ("waiting for the running refresh...") up to ``ERP_REFRESH_WAIT`` seconds
(default 900), then gives up with a clear message.

An in-process refresh holds the lock for its whole run; under ``dagster dev`` each step
runs in its own process and holds it while it works on the file. The lock is reentrant
per thread, so the steps of a run that already holds it do not wait for themselves; two
threads of one process (two dashboard users) wait for each other like two processes.
The kernel releases a ``flock`` when its holder dies: a killed refresh blocks no one.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = ".refresh.lock"
WAIT_SETTING = "ERP_REFRESH_WAIT"
DEFAULT_WAIT_SECONDS = 900.0
POLL_SECONDS = 0.25
WAITING_MESSAGE = "waiting for the running refresh to finish..."

_held = threading.local()  # .paths: lock path -> depth, for this thread


class BuildBusy(RuntimeError):
    """Another refresh held the build file longer than this one would wait."""


def wait_seconds() -> float:
    """How long a refresh waits for a running one (``ERP_REFRESH_WAIT``, seconds)."""
    raw = os.environ.get(WAIT_SETTING, "").strip()
    if not raw:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise ValueError(f"{WAIT_SETTING} must be a number of seconds (0 or more), not {raw!r}")
    return seconds


def lock_path(warehouse_dir: Path) -> Path:
    from orchestration.publish import build_path

    return build_path(warehouse_dir).parent / LOCK_FILE


@contextmanager
def holding_build(
    warehouse_dir: Path,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the build file of ``warehouse_dir`` for the duration, waiting for a refresh
    that holds it (``on_wait`` gets the message once) for up to ``timeout`` seconds
    (default: :func:`wait_seconds`); :class:`BuildBusy` when it did not come free."""
    path = lock_path(warehouse_dir)
    key = str(path)
    depths: dict[str, int] = getattr(_held, "paths", None) or {}
    _held.paths = depths
    if depths.get(key):
        depths[key] += 1
        try:
            yield
        finally:
            depths[key] -= 1
        return
    limit = wait_seconds() if timeout is None else timeout
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(descriptor, limit, on_wait)
        depths[key] = 1
        try:
            yield
        finally:
            depths.pop(key, None)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _acquire(descriptor: int, limit: float, on_wait: Callable[[str], None] | None) -> None:
    deadline = time.monotonic() + limit
    told = False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            raise BuildBusy(
                f"another refresh has held the warehouse build for over {limit:g} s; "
                f"try again when it has finished (or set {WAIT_SETTING} to wait longer)."
            )
        if not told and on_wait is not None:
            on_wait(WAITING_MESSAGE)
            told = True
        time.sleep(POLL_SECONDS)
