"""Writers of one SQLite file queue on an OS lock before ``BEGIN IMMEDIATE``.

Why: when ``BEGIN IMMEDIATE`` finds the write lock taken, SQLite's busy handler sleeps
and retries with back-off (1, 2, 5, 10, ... up to 100 ms between tries). Under several
clerks the lock then often sits free between one clerk's COMMIT and the next clerk's
retry, and a clerk can lose to newcomers for a second or more
(docs/performance-posting.md, "Writer hand-over on SQLite"). Waiting instead in
``flock`` on ``<database>.write-lock`` lets the kernel wake a waiter the moment the
holder commits.

The lock only orders writers; SQLite's own lock still guards the data. A writer that
does not queue (another program, a timed-out wait) is still serialised by SQLite and
its busy handler, so the flock can cost time but never correctness. It belongs to the
connection's own open file description, so it serialises threads of one process as
well as processes, and the kernel drops it when the connection or its process dies.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any, BinaryIO


def lock_path(database: str) -> str:
    return database + ".write-lock"


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions wait their turn on a lock file.

    The engine's "begin" hook calls :meth:`queue_for_write` before ``BEGIN IMMEDIATE``;
    :meth:`commit`, :meth:`rollback` and :meth:`close` leave the queue once the
    transaction is over.
    """

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._queue_timeout = float(kwargs.get("timeout", 5.0))
        self._queued = False
        self._lock_file: BinaryIO | None
        try:
            self._lock_file = open(lock_path(os.fspath(database)), "ab")  # noqa: SIM115
        except OSError:  # a read-only directory: SQLite's busy handler alone, as before
            self._lock_file = None

    def queue_for_write(self) -> None:
        """Wait (at most the connection's busy timeout) until no other writer holds the lock."""
        if self._lock_file is None or self._queued:
            return
        # On timeout carry on without the queue: BEGIN IMMEDIATE then waits and fails
        # ("database is locked") exactly as it did without one.
        self._queued = _flock_within(self._lock_file.fileno(), self._queue_timeout)

    def leave_queue(self) -> None:
        if self._queued and self._lock_file is not None:
            self._queued = False
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            # A failed COMMIT leaves the transaction open; its rollback leaves the queue.
            if not self.in_transaction:
                self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_queue()
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None


def _flock_within(fd: int, timeout: float) -> bool:
    """Take an exclusive flock on ``fd``, waiting at most ``timeout`` seconds."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    # flock has no timeout, so a helper thread waits in it on a duplicate descriptor
    # (same open file description, hence the same lock). If we give up first, the helper
    # unlocks as soon as it gets the lock, so an abandoned wait never keeps it.
    waiter = os.dup(fd)
    granted = threading.Event()
    decided = threading.Lock()
    gave_up = False

    def wait() -> None:
        try:
            fcntl.flock(waiter, fcntl.LOCK_EX)
            with decided:
                if gave_up:
                    fcntl.flock(waiter, fcntl.LOCK_UN)
                else:
                    granted.set()
        finally:
            os.close(waiter)

    threading.Thread(target=wait, name="sqlite-writer-queue", daemon=True).start()
    granted.wait(timeout)
    with decided:
        if not granted.is_set():
            gave_up = True
    return granted.is_set()
