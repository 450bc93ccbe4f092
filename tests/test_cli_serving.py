"""`erp dashboards` / `erp ui` / `erp demo`: servers stop with the command, ports are
checked, and the demo does not replace a database's data unasked.

The servers run as real subprocesses: what matters is which process still holds the port
after the command was stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]


def erp_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.cli", *args]


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ERP_DATABASE_URL": f"sqlite:///{tmp_path / 'erp.db'}",
        "ERP_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serving(port: int, address: str = "127.0.0.1") -> bool:
    with socket.socket() as client:
        client.settimeout(1)
        return client.connect_ex((address, port)) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_the_dashboards_stops_the_server(sig: signal.Signals, tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "erp.log").open("w")
    command = subprocess.Popen(
        erp_command("dashboards", "--port", str(port)),
        cwd=PROJECT,
        env=environment(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while not serving(port):
            assert command.poll() is None, (tmp_path / "erp.log").read_text()
            assert time.monotonic() < deadline, "the dashboards never served the port"
            time.sleep(0.5)
        # Only this machine's loopback address by default (--address): another address of
        # the machine (all of 127/8 reaches it) gets no answer.
        assert not serving(port, "127.0.0.2")
        # The signal goes to the `erp` process only, as `kill` or a service manager sends it.
        command.send_signal(sig)
        assert command.wait(timeout=40) == 0
        # Returned: nothing may serve the port any more (the Streamlit child did before).
        assert not serving(port)
    finally:
        if command.poll() is None:
            command.kill()
        log.close()


@pytest.mark.parametrize(
    "args",
    [
        ["ui", "--port", "-5"],
        ["dashboards", "--port", "0"],
        ["dashboards", "--port", "65536"],
        ["demo", "--port", "70000"],
    ],
    ids=" ".join,
)
def test_a_port_outside_the_tcp_range_is_refused(args: list[str], tmp_path: Path) -> None:
    # `erp ui --port -5` used to hang: dagster dev waited for a server that never started.
    result = subprocess.run(
        erp_command(*args),
        cwd=PROJECT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Invalid value for '--port'" in result.stderr
    assert not (tmp_path / "erp.db").exists()


def test_demo_asks_before_replacing_a_database_with_data(tmp_path: Path) -> None:
    from tests.transactional.company import build_company
    from transactional.migrate import upgrade

    env = environment(tmp_path)
    upgrade(env["ERP_DATABASE_URL"])
    build_company(env["ERP_DATABASE_URL"])

    def divisions() -> int:
        with sqlite3.connect(tmp_path / "erp.db") as connection:
            return int(connection.execute("select count(*) from division").fetchone()[0])

    before = divisions()
    assert before > 0
    result = subprocess.run(
        erp_command("demo", "--no-serve"),
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "already holds data" in result.stderr and "--yes" in result.stderr
    assert divisions() == before
