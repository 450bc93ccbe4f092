"""`erp users ...` and the first admin's password: help, refusals in one line, no secret shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_cli import PROJECT
from transactional.database import make_engine, session_scope
from transactional.organisation import sign_in

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# `erp users list` shows lockouts still running by the wall clock: failures dated far
# ahead keep one running whatever day the test runs.
FUTURE = datetime(2099, 1, 1, 9, 0, tzinfo=UTC)
USER_COMMANDS = [
    ["users"],
    ["users", "add"],
    ["users", "set-password"],
    ["users", "disable"],
    ["users", "enable"],
    ["users", "list"],
    ["users", "unlock"],
    ["users", "grant"],
]


@pytest.mark.parametrize("command", USER_COMMANDS, ids=" ".join)
def test_every_users_command_has_help(command: list[str]) -> None:
    result = erp(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "--help" in result.stdout


def signs_in(url: str, username: str, password: str, now: datetime = NOW) -> bool:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            try:
                sign_in.sign_in(s, username, password, now=now)
            except sign_in.SignInRefused:
                return False
        return True
    finally:
        engine.dispose()


def without_admin_password() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "ERP_ADMIN_PASSWORD"}


def test_db_upgrade_makes_the_first_admin_and_prints_the_password_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'erp.db'}"
    env = {**without_admin_password(), "ERP_DATABASE_URL": url}
    first = erp_clean("db", "upgrade", env=env)
    assert first.returncode == 0, first.stderr
    found = re.search(
        r"admin signs in with the password (\S+) \(shown only this once", first.stderr
    )
    assert found, first.stderr
    password = found.group(1)
    assert len(password) >= 10 and signs_in(url, "admin", password)
    again = erp_clean("db", "upgrade", env=env)
    assert again.returncode == 0 and password not in again.stderr + again.stdout
    assert "signs in with" not in again.stderr


def test_db_upgrade_takes_the_admin_password_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'erp.db'}"
    env = {"ERP_DATABASE_URL": url, "ERP_ADMIN_PASSWORD": "from the environment"}
    result = erp("db", "upgrade", env=env)
    assert result.returncode == 0, result.stderr
    assert "password in ERP_ADMIN_PASSWORD" in result.stderr
    assert "from the environment" not in result.stderr + result.stdout
    assert signs_in(url, "admin", "from the environment")
    short = erp(
        "db",
        "upgrade",
        env={
            **env,
            "ERP_DATABASE_URL": f"sqlite:///{tmp_path}/b.db",
            "ERP_ADMIN_PASSWORD": "short",
        },
    )
    assert short.returncode == 1
    assert (
        short.stderr.strip()
        == "Error: ERP_ADMIN_PASSWORD: A password needs at least 10 characters."
    )
    assert not (tmp_path / "b.db").exists()  # refused before anything was written


def erp_clean(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """erp with exactly ``env`` (the conftest's ERP_ADMIN_PASSWORD left out)."""
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def erp(
    *args: str, env: dict[str, str] | None = None, input: str = ""
) -> subprocess.CompletedProcess[str]:
    """erp with the test environment plus ``env``, ``input`` on its standard input."""
    return (
        erp_clean(*args, env={**os.environ, **(env or {})})
        if not input
        else subprocess.run(
            [sys.executable, "-m", "orchestration.cli", *args],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, **(env or {})},
            input=input,
        )
    )


@pytest.fixture
def company(tmp_path: Path) -> str:
    from tests.transactional.company import build_company
    from transactional.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'erp.db'}"
    upgrade(url)
    build_company(url)
    return url


def test_users_commands_add_change_and_list(company: str) -> None:
    env = {"ERP_DATABASE_URL": company}
    added = erp(
        "users",
        "add",
        "els",
        "--role",
        "clerk",
        "-d",
        "HOLD",
        "--locale",
        "nl_BE",
        "--full-name",
        "Els Peeters",
        "--password-stdin",
        env=env,
        input="els password 1\n",
    )
    assert added.returncode == 0, added.stderr
    assert "els password 1" not in added.stdout + added.stderr
    assert signs_in(company, "els", "els password 1")
    assert (
        erp(
            "users", "set-password", "els", "--password-stdin", env=env, input="els password 2\n"
        ).returncode
        == 0
    )
    assert signs_in(company, "els", "els password 2")
    granted = erp(
        "users",
        "grant",
        "els",
        "--role",
        "accountant",
        "-d",
        "US01",
        "-d",
        "HOLD",
        "--email",
        "Els@Example.BE",
        env=env,
    )
    assert granted.returncode == 0, granted.stderr
    for _ in range(5):
        signs_in(company, "els", "wrong", now=FUTURE)
    assert erp("users", "disable", "els", env=env).returncode == 0
    listed = erp("users", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if row.startswith("els "))
    assert line.split()[:8] == ["els", "Els", "Peeters", "accountant", "HOLD", "US01", "no", "set"]
    assert "nl_BE" in line and "2099-01-01 09:15 UTC" in line  # locked from the 5th failure
    assert "argon" not in listed.stdout
    assert erp("users", "enable", "els", env=env).returncode == 0
    assert erp("users", "unlock", "els", env=env).returncode == 0
    assert signs_in(company, "els", "els password 2")


def test_the_password_prompt_is_hidden_and_confirmed(company: str) -> None:
    result = erp(
        "users",
        "set-password",
        "clerk",
        env={"ERP_DATABASE_URL": company},
        input="typed twice ok\ntyped twice ok\n",
    )
    assert result.returncode == 0, result.stderr
    assert "typed twice ok" not in result.stdout + result.stderr
    assert signs_in(company, "clerk", "typed twice ok")


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (
            ["users", "add", "x1", "-d", "XX99", "--password-stdin"],
            "long enough 1\n",
            "Error: Division 'XX99' does not exist.",
        ),
        (
            ["users", "add", "x1", "--password-stdin"],
            "short\n",
            "Error: A password needs at least 10 characters.",
        ),
        (
            ["users", "add", "x1", "--role", "boss", "--password-stdin"],
            "long enough 1\n",
            "Error: Role must be one of clerk, accountant, manager, analyst, admin.",
        ),
        (["users", "add", "x1", "--password-stdin"], "\n", "Error: no password on standard input."),
        (
            ["users", "add", "x1", "--locale", "de", "--password-stdin"],
            "long enough 1\n",
            "Error: Language must be one of en, fr_FR, fr_BE, nl_NL, nl_BE.",
        ),
        (
            ["users", "add", "x1", "--as", "clerk", "--password-stdin"],
            "long enough 1\n",
            "Error: A clerk may not manage users and their rights; ask an administrator.",
        ),
        (
            ["users", "add", "x1", "--as", "ghost", "--password-stdin"],
            "long enough 1\n",
            "Error: There is no user ghost.",
        ),
        (
            ["users", "disable", "admin"],
            "",
            "Error: Administrators cannot disable themselves or take away their own role.",
        ),
        (
            ["users", "grant", "clerk"],
            "",
            "Error: say what to grant: --role, --division, --locale or --email.",
        ),
        (
            ["users", "grant", "clerk", "--email", "not-an-address"],
            "",
            "Error: not-an-address is not an e-mail address.",
        ),
        (["users", "unlock", "nobody"], "", "Error: There is no user nobody."),
    ],
    ids=[
        "division",
        "short",
        "role",
        "empty",
        "locale",
        "clerk",
        "ghost",
        "self",
        "nothing",
        "email",
        "unknown",
    ],
)
def test_bad_input_gets_one_line_and_writes_nothing(
    company: str, args: list[str], stdin: str, message: str
) -> None:
    before = erp("users", "list", env={"ERP_DATABASE_URL": company}).stdout
    result = erp(*args, env={"ERP_DATABASE_URL": company}, input=stdin)
    assert result.returncode == 1
    assert result.stderr.strip() == message
    assert "long enough" not in result.stdout + result.stderr
    assert erp("users", "list", env={"ERP_DATABASE_URL": company}).stdout == before


def test_an_unmigrated_database_is_refused_in_one_line(tmp_path: Path) -> None:
    result = erp("users", "list", env={"ERP_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    assert result.returncode == 1
    assert "run `erp db upgrade` first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
