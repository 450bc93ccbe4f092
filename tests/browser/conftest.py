"""A real stack for browser tests: a generated company, a refreshed warehouse, a Streamlit
server on a free local port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def erp(env: dict[str, str], *args: str, timeout: int = 600) -> str:
    """Run the real `erp` command line with the test's environment."""
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"erp {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _env(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ERP_DATABASE_URL": f"sqlite:///{root / 'erp.db'}",
        "ERP_WAREHOUSE_DIR": str(root / "warehouse"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "false",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }


@pytest.fixture(scope="session")
def base_stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated and refreshed by the real command line once per run, whichever worker
    asks first (tests/conftest.py built_once); stack_env copies it for each module."""
    from tests.conftest import built_once

    def build(root: Path) -> None:
        (root / "dagster_home").mkdir()
        env = _env(root)
        erp(env, "generate", "--scale", "0.002", "--seed", "7")
        erp(env, "refresh", "--full")

    return built_once(tmp_path_factory, "browser-stack", build)


@pytest.fixture(scope="module")
def stack_env(base_stack: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A copy of the base stack for one module: its tests post and refresh in their own."""
    root = tmp_path_factory.mktemp("stack_copy") / "stack"
    # The published pointer names its file relative to the warehouse folder, so a copied
    # folder publishes and reads on its own; dagster starts from an empty home.
    shutil.copytree(base_stack, root, ignore=shutil.ignore_patterns("dagster_home"))
    (root / "dagster_home").mkdir()
    return _env(root)


@pytest.fixture(scope="module")
def app_url(stack_env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT / "dashboards" / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        env=stack_env,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(
            "Streamlit did not start:\n" + (proc.stdout.read().decode() if proc.stdout else "")
        )
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        # A rerun still busy (a refresh started from a page) can outlast SIGTERM.
        proc.kill()
        proc.wait(timeout=20)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    """Keep each phase's report on the test, so the page fixture knows a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@contextmanager
def browser_page(request: pytest.FixtureRequest, tmp_path: Path, locale: str = "en-US") -> Iterator:
    """Chromium's page in a browser speaking ``locale``; on failure, what it showed: the
    page's text (Streamlit's own errors included) in the log and a screenshot beside it."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required: bash .ci/setup --with-browser"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        yield pg
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            pg.screenshot(path=str(shot), full_page=True)
            text = pg.locator("body").inner_text()[-3000:]
            print(f"\n--- page at failure ({pg.url}), screenshot {shot} ---\n{text}")
        context.close()
        browser.close()


@pytest.fixture
def page(app_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    with browser_page(request, tmp_path) as pg:
        yield pg


def settled_text(page, locator) -> str:  # type: ignore[no-untyped-def]
    """The locator's text once the reruns the filters started have settled: the same text
    three times in a row with no rerun running."""
    previous, stable = None, 0
    for _ in range(60):
        page.wait_for_timeout(500)
        running = page.locator('[data-testid="stStatusWidget"]').is_visible()
        current = locator.inner_text()
        stable = stable + 1 if (current == previous and not running) else 0
        previous = current
        if stable >= 3:
            break
    return str(previous).strip()


def sign_in(page, username: str = "admin", password: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Fill the sign-in form the app shows first (a page load starts a new session)."""
    from tests.dashboards.apptest_helpers import password_of

    # Found by what they are, not by their labels: the form speaks the browser's language.
    page.locator('input[autocomplete="username"]').fill(username)
    page.locator('input[type="password"]').fill(password or password_of(username))
    page.locator('[data-testid="stFormSubmitButton"] button').click()
    page.locator(".st-key-sign_out button").wait_for()


def visit(page, app_url: str, path: str = "", user: str = "admin") -> None:  # type: ignore[no-untyped-def]
    """Open ``path`` of the app as ``user``: load it, then sign in on the form it shows."""
    page.goto(f"{app_url}/{path}")
    sign_in(page, user)
