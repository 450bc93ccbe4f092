"""The stages of a refresh as they happen (extract, dbt build, checks, publish), so that
``erp refresh`` can show where it is and how long each took.

The steps of both jobs mark their work with :func:`stage`; whoever runs a refresh in
this process listens with :func:`listening`. Without a listener (a run of the dagster UI)
marking costs nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class StageEvent:
    name: str
    seconds: float | None = None  # None when the stage starts
    failed: bool = False

    @property
    def started(self) -> bool:
        return self.seconds is None


Listener = Callable[[StageEvent], None]
_listeners: list[Listener] = []
_guard = threading.Lock()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    with _guard:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _guard:
            _listeners.remove(listener)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Mark a stage of the refresh: listeners hear of its start and of its end with the
    seconds it took (and whether it failed)."""
    _tell(StageEvent(name))
    started = time.perf_counter()
    failed = True
    try:
        yield
        failed = False
    finally:
        _tell(StageEvent(name, round(time.perf_counter() - started, 1), failed))


def _tell(event: StageEvent) -> None:
    with _guard:
        listeners = list(_listeners)
    for listener in listeners:
        listener(event)
