"""The `erp` command line: set up, fill, refresh and open the platform.

Heavy imports (dagster, streamlit, the generator) happen inside the commands, so
`erp --help` answers at once.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from transactional import settings

if TYPE_CHECKING:
    from sqlmodel import Session

    from transactional.manufacturing.opening_stock_load import OpeningStockLoad
    from transactional.organisation.models import User

app = typer.Typer(
    help="Analytics-first ERP: transactional books, dagster + dbt warehouse, Insights dashboards.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="The transactional database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
consolidation_app = typer.Typer(
    help="Group consolidation files: a non-ERP unit's trial balance, the group structure, "
    "the account mapping (formats: docs/consolidation.md section 4), and the check that "
    "every account with ledger lines is mapped to the group chart. Loads are made as the "
    "user named by --as (default admin), with that user's rights, and audited.",
    no_args_is_help=True,
)
app.add_typer(consolidation_app, name="consolidation")
manufacturing_app = typer.Typer(
    help="Manufacturing: import the files a manufacturer brings (work centres, items, BOMs, "
    "routings, a sales plan, opening stock; formats: docs/manufacturing.md section 7) and "
    "run MRP. Made as the user named by --as (default admin), with that user's rights, and "
    "audited.",
    no_args_is_help=True,
)
app.add_typer(manufacturing_app, name="manufacturing")
users_app = typer.Typer(
    help="Users who sign in: passwords, roles, division scope, language. Changes are made "
    "as the administrator named by --as (default admin) and recorded in the audit log; "
    "whoever can run `erp` can reach the database anyway, so the command line asks for no "
    "password of its own.",
    no_args_is_help=True,
)
app.add_typer(users_app, name="users")
console = Console(stderr=True)
_T = TypeVar("_T")

DEFAULT_DEMO_SCALE = 0.05
# A TCP port: outside this range `dagster dev` waited forever and Streamlit failed late.
PORT_MIN, PORT_MAX = 1, 65535
# The dashboards listen on this machine only unless told otherwise (--address).
LOCAL_ONLY = "127.0.0.1"
# Seconds a server gets to stop after SIGTERM before its process group is killed.
STOP_GRACE_SECONDS = 10


def _fail(message: str) -> None:
    # Not wrapped at the terminal's width: a path in the message stays one piece to copy.
    console.print(f"[bold red]Error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code=1)


def _venv_bin(name: str) -> str:
    """A console script of this environment, even when the venv is not activated."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the transactional database to the latest schema (Alembic).

    When no administrator can sign in yet (a new database, or one from before sign-in),
    the first one gets the password in ERP_ADMIN_PASSWORD, or a new one printed once.
    """
    from transactional.migrate import upgrade

    url = settings.database_url()
    _check_admin_password_variable()
    upgrade(url)
    console.print(f"Database at [bold]{_safe(url)}[/] is up to date.")
    _first_admin(url, announce=True)


def _check_admin_password_variable() -> None:
    """Refuse a too short ERP_ADMIN_PASSWORD before anything is written."""
    from transactional.errors import DomainError
    from transactional.organisation.sign_in import hash_password
    from transactional.organisation.users import ADMIN_PASSWORD_ENV

    password = os.environ.get(ADMIN_PASSWORD_ENV)
    if password:
        try:
            hash_password(password)
        except DomainError as exc:
            _fail(f"{ADMIN_PASSWORD_ENV}: {exc}")


def _first_admin(url: str, *, announce: bool) -> str | None:
    """Give the first administrator a password when none can sign in; returns the password
    when one was made here (to be shown once), else None."""
    from transactional.database import make_engine, session_scope
    from transactional.organisation.users import ADMIN_PASSWORD_ENV, ensure_admin_password

    password = os.environ.get(ADMIN_PASSWORD_ENV) or None
    made = secrets.token_urlsafe(12) if password is None else None
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            admin = ensure_admin_password(session=session, password=password or made or "")
            username = admin.username if admin is not None else None
    finally:
        engine.dispose()
    if username is None:
        return None
    if announce and made is not None:
        console.print(
            f"Administrator [bold]{username}[/] signs in with the password [bold]{made}[/] "
            f"(shown only this once; change it with `erp users set-password {username}`).",
            soft_wrap=True,
        )
    elif announce:
        console.print(
            f"Administrator [bold]{username}[/] signs in with the password in {ADMIN_PASSWORD_ENV}."
        )
    return made


@db_app.command("reset")
def db_reset(
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: delete every transaction.")] = False,
) -> None:
    """Delete the embedded SQLite database and the warehouse, then migrate afresh."""
    url = settings.database_url()
    if not url.startswith("sqlite:///"):
        _fail(
            "reset only deletes the embedded SQLite database; drop a PostgreSQL database yourself."
        )
    if not yes:
        _fail("this deletes every transaction; run again with --yes to confirm.")
    _delete_sqlite(url)
    db_upgrade()


def _delete_sqlite(url: str) -> None:
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(settings.warehouse_dir(), ignore_errors=True)


@app.command()
def generate(
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same company.")
    ] = 42,
    scale: Annotated[
        float, typer.Option(help="1.0 is about one million journal lines.", min=0.0005, max=20.0)
    ] = DEFAULT_DEMO_SCALE,
    end_date: Annotated[
        str,
        typer.Option(
            "--through",
            "--end-date",
            help="Last day of activity (YYYY-MM-DD); the three fiscal years end with its year.",
        ),
    ] = "2026-10-31",
) -> None:
    """Generate the demo group (holding + subsidiaries, three years) into an empty database.

    Fixed dates by default (through 2026-10-31, fiscal years 2024-2026), so the same seed
    gives the same company on any day; `erp demo` generates up to last month instead.
    """
    try:
        end = date.fromisoformat(end_date)
    except ValueError:
        _fail(f"--through '{end_date}' is not a date; use YYYY-MM-DD.")
    from ingestion.demo import generate as generate_company
    from transactional.migrate import upgrade

    url = settings.database_url()
    _check_admin_password_variable()
    upgrade(url)
    if not _database_is_empty(url):
        _fail(
            "the database already holds data; run `erp db reset --yes` first (SQLite) "
            "or point ERP_DATABASE_URL at an empty database."
        )
    with _progress() as progress:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        from transactional.errors import DomainError

        try:
            totals = generate_company(url, seed=seed, scale=scale, end_date=end, progress=report)
        except DomainError as exc:  # a generator bug a service caught: its cause, not a trace
            _fail(f"generating the demo stopped: {exc}")
    print(totals)
    path = settings.control_totals_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(totals.to_json())
    console.print(f"Control totals written to {path}")
    _print_demo_users(_first_admin(url, announce=False))


def _print_demo_users(admin_password: str | None) -> None:
    """The demo users, their scope and passwords: the admin's is shown only when made now."""
    from ingestion.demo.company import DEMO_USERS
    from transactional.organisation.users import ADMIN_PASSWORD_ENV

    if admin_password is None:
        admin_password = (
            f"(from {ADMIN_PASSWORD_ENV})"
            if os.environ.get(ADMIN_PASSWORD_ENV)
            else "(unchanged: the one it had)"
        )
    rows = [("User", "Role", "Divisions", "Language", "Password")]
    for username, (role, divisions, locale, password) in DEMO_USERS.items():
        scope = "all" if role == "admin" else " ".join(divisions)
        rows.append((username, role, scope, locale, password or admin_password))
    console.print(
        "Demo users (sign in to the dashboards with these; admin's password is shown once):",
        soft_wrap=True,
    )
    console.print(_columns(rows), soft_wrap=True, highlight=False, markup=False)


def _columns(rows: Sequence[Sequence[str]]) -> str:
    """Rows as plain aligned columns: no wrapping, whatever the terminal's width."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


@app.command()
def refresh(
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Full job: check the raw ledger against the source, rebuild every model "
            "from scratch, run every dbt test, unit test and the GX suite.",
        ),
    ] = False,
    reload: Annotated[
        bool,
        typer.Option(
            "--reload",
            help="Full job that also reads the ledger, posted invoices and payments and the "
            "audit log again from scratch (minutes at 10M journal lines).",
        ),
    ] = False,
    as_of_date: Annotated[
        str | None,
        typer.Option(
            "--as-of-date",
            help="Ageing date (YYYY-MM-DD) of the receivables and payables ageing marts; "
            "default today.",
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="Engine that builds the marts: duckdb (in process) or spark (dbt-spark; "
            "always a full job; docs/spark.md). Default: ERP_WAREHOUSE_ENGINE, else duckdb.",
        ),
    ] = None,
) -> None:
    """Refresh the warehouse in-process: extract, dbt build, checks, publish.

    Quick job by default (new rows, table models, blocking checks); --full runs everything.
    Each stage is shown with its time; dbt's and dagster's output, and a failure's
    traceback, go to the log file under the warehouse folder (its path is printed).
    """
    if as_of_date is not None:
        try:
            date.fromisoformat(as_of_date)
        except ValueError:
            _fail(f"--as-of-date '{as_of_date}' is not a date; use YYYY-MM-DD.")
    if engine is not None:
        if engine.strip().lower() not in settings.ENGINES:
            _fail(
                f"--engine '{engine}' is not an engine; use one of: {', '.join(settings.ENGINES)}."
            )
        os.environ["ERP_WAREHOUSE_ENGINE"] = engine.strip().lower()
    try:
        if settings.warehouse_engine() == "spark":
            from orchestration.spark_engine import SparkUnavailable, require_spark

            try:
                require_spark()
            except SparkUnavailable as exc:
                _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc))
    # Runs land in the same dagster instance as `erp ui`, so they show in its run history.
    os.environ.setdefault("DAGSTER_HOME", str(_dagster_home()))
    from orchestration.refresh import RefreshFailed, run_refresh
    from orchestration.stages import StageEvent, listening

    log_path = settings.logs_dir() / "refresh.log"
    # Bound to the terminal now: while the refresh runs, stdout and stderr go to the log.
    screen = Console(file=sys.stderr)
    started = time.perf_counter()
    status = screen.status("Refreshing the warehouse...")

    def show(event: StageEvent) -> None:
        if event.started:
            status.update(f"{event.name}...")
            return
        mark = "[red]x[/]" if event.failed else "[green]ok[/]"
        screen.print(f"  {mark} {event.name:<40} {event.seconds:>7.1f} s")

    job = ""
    failure: str | None = None
    with (
        status,
        log_path.open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
        listening(show),
        _interrupted_by_sigterm(),
    ):
        try:
            job = run_refresh(
                full=full,
                reload=reload,
                as_of_date=as_of_date,
                log_level="INFO",
                on_wait=lambda message: screen.print(message),
            )
        except RefreshFailed as exc:
            failure = str(exc)
            print(f"{exc}\n\n{exc.details}", file=log)
        except KeyboardInterrupt:
            failure = (
                "the refresh was stopped before it published; the dashboards keep the last version."
            )
            traceback.print_exc(file=log)
        except Exception as exc:  # noqa: BLE001 - one line on screen, the traceback in the log
            failure = (
                f"{type(exc).__name__}: {_first_line(str(exc))}\n"
                "Nothing was published; the dashboards keep the last version."
            )
            traceback.print_exc(file=log)
    if failure is not None:
        _fail(f"{_short(failure)}\nDetails: {log_path}")
    from orchestration.publish import current_publication

    publication = current_publication()
    shown = "nothing" if publication is None else " + ".join(p.name for p in publication.files)
    console.print(
        f"Published [bold]{shown}[/] in {time.perf_counter() - started:.1f} s "
        f"(job {job}; log: {log_path})",
        soft_wrap=True,
    )


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:300]


def _short(failure: str, lines: int = 6) -> str:
    """The failure's first lines (one per failed step or check), not pages of it."""
    kept = [line[:300] for line in failure.strip().splitlines()]
    return "\n".join(kept[:lines] + (["  ..."] if len(kept) > lines else []))


@contextlib.contextmanager
def _interrupted_by_sigterm() -> Iterator[None]:
    """SIGTERM stops a refresh like Ctrl+C: cleanly, with one line, not a dead process."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def dbt(ctx: typer.Context) -> None:
    """Run dbt on the project (models/) against this warehouse's build file.

    Everything after `erp dbt` goes to dbt, e.g. `erp dbt build --select my_model+`. The
    build file is <ERP_WAREHOUSE_DIR>/build/warehouse.duckdb, the one `erp refresh`
    builds; dbt waits while a refresh holds it (and a refresh waits for dbt).
    """
    from orchestration.build_lock import BuildBusy, holding_build
    from orchestration.project import MODELS_DIR, dbt_environment, dbt_executable
    from orchestration.publish import build_path

    if not ctx.args or ctx.args[0] in ("--help", "-h"):
        console.print(
            "Usage: erp dbt COMMAND [DBT OPTIONS]  e.g. erp dbt build --select my_model+\n"
            "Runs dbt in models/ against <ERP_WAREHOUSE_DIR>/build/warehouse.duckdb."
        )
        raise typer.Exit(0 if ctx.args else 2)
    warehouse = build_path()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **dbt_environment(warehouse)}
    # `erp dbt build --target spark` finds the Spark folder the refresh uses.
    from orchestration.spark_engine import spark_environment

    env.update(spark_environment(settings.spark_dir()))
    project = ["--project-dir", str(MODELS_DIR), "--profiles-dir", str(MODELS_DIR)]
    try:
        with holding_build(settings.warehouse_dir(), on_wait=console.print):
            code = subprocess.call([dbt_executable(), *ctx.args, *project], env=env, cwd=MODELS_DIR)
    except BuildBusy as exc:
        _fail(str(exc))
    raise typer.Exit(code)


@app.command()
def dashboards(
    port: Annotated[
        int, typer.Option(help="Port to serve the dashboards on.", min=PORT_MIN, max=PORT_MAX)
    ] = 8501,
    address: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The default serves this machine only; "
            "0.0.0.0 serves every network the machine is on (put HTTPS in front).",
        ),
    ] = LOCAL_ONLY,
) -> None:
    """Open the Insights dashboards and clerk forms (Streamlit) on http://ADDRESS:PORT."""
    app_file = settings.PROJECT_ROOT / "dashboards" / "app.py"
    shown = "localhost" if address == LOCAL_ONLY else address
    console.print(f"Dashboards on [bold]http://{shown}:{port}[/] (Ctrl+C to stop)")
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    _serve(
        [
            _venv_bin("streamlit"),
            "run",
            str(app_file),
            "--server.port",
            str(port),
            "--server.address",
            address,
            "--server.headless",
            "true",
        ],
        env,
    )


@app.command()
def ui(
    port: Annotated[
        int, typer.Option(help="Port for the dagster UI.", min=PORT_MIN, max=PORT_MAX)
    ] = 3000,
) -> None:
    """Open the dagster UI (assets, lineage, checks, jobs, schedules, sensors)."""
    home = _dagster_home()
    console.print(f"dagster UI on [bold]http://localhost:{port}[/] (Ctrl+C to stop)")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DO_NOT_TRACK": "1"}
    _serve([_venv_bin("dagster"), "dev", "-m", "orchestration.definitions", "-p", str(port)], env)


@app.command()
def demo(
    scale: Annotated[
        float, typer.Option(help="Demo size (1.0 is about 1M journal lines).", min=0.0005, max=20.0)
    ] = DEFAULT_DEMO_SCALE,
    port: Annotated[
        int, typer.Option(help="Port for the dashboards.", min=PORT_MIN, max=PORT_MAX)
    ] = 8501,
    serve: Annotated[bool, typer.Option(help="Serve the dashboards when done.")] = True,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: replace the data of an existing database.")
    ] = False,
) -> None:
    """Everything in one go: fresh database, demo company, full refresh, dashboards.

    The demo runs through the end of the last complete month before today (ERP_TODAY when
    set), so it never looks stale: three fiscal years ending with that month's year. It
    prints the demo users and their passwords; the admin's is ERP_ADMIN_PASSWORD when set,
    otherwise made and shown once.
    """
    from transactional import clock

    try:
        through = clock.last_complete_month_end()
    except ValueError as exc:
        _fail(str(exc))
    url = settings.database_url()
    _check_admin_password_variable()
    if url.startswith("sqlite:///"):
        if not yes and _sqlite_holds_data(url):
            _fail(
                f"{_safe(url)} already holds data, which the demo replaces; "
                "run again with --yes to confirm."
            )
        # Not `erp db reset`: its first admin's password would be printed apart from the
        # demo users; generate migrates and prints them all in one table.
        _delete_sqlite(url)
    console.print(f"Demo company through [bold]{through:%Y-%m-%d}[/] (the last complete month).")
    generate(seed=42, scale=scale, end_date=through.isoformat())
    refresh(full=True)
    if serve:
        dashboards(port=port, address=LOCAL_ONLY)


# --- erp users -------------------------------------------------------------------------

ActingAdmin = Annotated[
    str,
    typer.Option(
        "--as", help="The administrator the change is made as (recorded in the audit log)."
    ),
]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of asking "
        "(for scripts; the password is never shown or logged).",
    ),
]
DivisionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--division",
        "-d",
        help="A division code the user may act in; repeat for more (admins act in all).",
    ),
]


def _password(from_stdin: bool) -> str:
    """The new password: hidden prompt with confirmation, or one line of stdin."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            _fail("no password on standard input.")
        return password
    import warnings
    from getpass import GetPassWarning

    try:
        with warnings.catch_warnings():
            # Without a terminal the input cannot be hidden; Python's warning about it is
            # noise here (the typed text is not echoed to a pipe anyway).
            warnings.simplefilter("ignore", GetPassWarning)
            return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    except typer.Abort:
        _fail("no password given; without a terminal, give it with --password-stdin.")
        raise


@contextlib.contextmanager
def _as_admin(acting: str, prefix: str = "") -> Iterator[tuple[Session, User]]:
    """A session and the acting user; a refusal becomes one line (after ``prefix``, e.g.
    the file being loaded) and exit code 1, and the transaction is rolled back, so
    nothing is written."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from transactional.database import make_engine, session_scope
    from transactional.errors import DomainError
    from transactional.organisation.users import find_user

    engine = make_engine(settings.database_url())
    try:
        with session_scope(engine) as session:
            yield session, find_user(session, acting, field="as")
    except DomainError as exc:
        _fail(f"{prefix}{exc}")
    except (OperationalError, ProgrammingError) as exc:
        if "no such table" not in str(exc) and "does not exist" not in str(exc):
            _fail(f"the database could not be used: {_first_line(str(exc.orig))}")
        _fail(
            f"the database at {_safe(settings.database_url())} has no users table; "
            "run `erp db upgrade` first."
        )
    finally:
        engine.dispose()


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="The user name to sign in with.")],
    role: Annotated[
        str, typer.Option(help="clerk, accountant, manager, analyst or admin.")
    ] = "clerk",
    division: DivisionsOption = None,
    full_name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    locale: Annotated[
        str, typer.Option(help="Language and number format: en, fr_FR, fr_BE, nl_NL, nl_BE.")
    ] = "en",
    email: Annotated[
        str | None, typer.Option(help="E-mail address a sign-in provider reports.")
    ] = None,
    no_password: Annotated[
        bool,
        typer.Option("--no-password", help="No password: signs in through the provider only."),
    ] = False,
    password_stdin: PasswordStdin = False,
    acting: ActingAdmin = "admin",
) -> None:
    """Add a user with a role, the divisions they may act in and a password."""
    from transactional.organisation import services as org
    from transactional.organisation import users

    password = None if no_password else _password(password_stdin)
    with _as_admin(acting) as (session, admin):
        org.create_user(
            session=session,
            user=admin,
            username=username,
            full_name=full_name,
            role=role,
            divisions=list(division or []),
        )
        if locale != "en":
            users.set_locale(session=session, user=admin, username=username, locale=locale)
        if email:
            users.set_email(session=session, user=admin, username=username, email=email)
        if password is not None:
            users.set_password(session=session, user=admin, username=username, password=password)
    console.print(f"User [bold]{username}[/] added ({role}).")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument(help="Whose password to set.")],
    password_stdin: PasswordStdin = False,
    acting: ActingAdmin = "admin",
) -> None:
    """Give a user a new password (also ends a lockout)."""
    from transactional.organisation import users

    password = _password(password_stdin)
    with _as_admin(acting) as (session, admin):
        users.set_password(session=session, user=admin, username=username, password=password)
    console.print(f"New password set for [bold]{username}[/].")


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="Who may no longer sign in or act.")],
    acting: ActingAdmin = "admin",
) -> None:
    """Stop a user from signing in and acting (their history stays)."""
    from transactional.organisation import users

    with _as_admin(acting) as (session, admin):
        users.disable_user(session=session, user=admin, username=username)
    console.print(f"User [bold]{username}[/] is disabled.")


@users_app.command("enable")
def users_enable(
    username: Annotated[str, typer.Argument(help="Who may sign in and act again.")],
    acting: ActingAdmin = "admin",
) -> None:
    """Let a disabled user sign in and act again."""
    from transactional.organisation import users

    with _as_admin(acting) as (session, admin):
        users.enable_user(session=session, user=admin, username=username)
    console.print(f"User [bold]{username}[/] is enabled.")


@users_app.command("unlock")
def users_unlock(
    username: Annotated[str, typer.Argument(help="Whose lockout to end.")],
    acting: ActingAdmin = "admin",
) -> None:
    """End a lockout after too many failed sign-ins (the count starts again)."""
    from transactional.organisation import users

    with _as_admin(acting) as (session, admin):
        users.unlock(session=session, user=admin, username=username)
    console.print(f"User [bold]{username}[/] is unlocked.")


@users_app.command("grant")
def users_grant(
    username: Annotated[str, typer.Argument(help="Whose role, divisions or language to set.")],
    role: Annotated[
        str | None, typer.Option(help="New role: clerk, accountant, manager, analyst or admin.")
    ] = None,
    division: DivisionsOption = None,
    locale: Annotated[
        str | None, typer.Option(help="Language: en, fr_FR, fr_BE, nl_NL, nl_BE.")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="E-mail address a sign-in provider reports.")
    ] = None,
    acting: ActingAdmin = "admin",
) -> None:
    """Set a user's role, the divisions they may act in (--division replaces the whole
    list), language or e-mail address."""
    from transactional.organisation import users

    divisions = list(division or [])
    if role is None and not divisions and locale is None and email is None:
        _fail("say what to grant: --role, --division, --locale or --email.")
    with _as_admin(acting) as (session, admin):
        if role is not None:
            users.set_role(session=session, user=admin, username=username, role=role)
        if divisions:
            users.set_divisions(session=session, user=admin, username=username, divisions=divisions)
        if locale is not None:
            users.set_locale(session=session, user=admin, username=username, locale=locale)
        if email is not None:
            users.set_email(session=session, user=admin, username=username, email=email)
    console.print(f"User [bold]{username}[/] changed.")


@users_app.command("list")
def users_list(acting: ActingAdmin = "admin") -> None:
    """Every user: role, divisions, active, password set, language, lockout."""
    from transactional.organisation import users

    with _as_admin(acting) as (session, admin):
        found = users.list_users(session=session, user=admin)
    rows = [("User", "Name", "Role", "Divisions", "Active", "Password", "Language", "Locked until")]
    for row in found:
        rows.append(
            (
                row.username,
                row.full_name,
                row.role,
                "all" if row.role == "admin" else " ".join(row.divisions) or "-",
                "yes" if row.is_active else "no",
                "set" if row.has_password else "none",
                row.locale,
                f"{row.locked_until:%Y-%m-%d %H:%M} UTC" if row.locked_until else "",
            )
        )
    print(_columns(rows))


# --- erp consolidation -----------------------------------------------------------------

ActingUser = Annotated[
    str,
    typer.Option(
        "--as",
        help="The user the load is made as (default admin): their rights apply and the "
        "audit log names them.",
    ),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="List what would change; write nothing.")]
ConsolidationFile = Annotated[
    Path,
    typer.Argument(
        help="CSV (comma or semicolon, UTF-8, a header row) or Excel .xlsx (first sheet).",
        dir_okay=False,
    ),
]


def _read_rows_file(path: Path, reader: Callable[[bytes, str], _T]) -> _T:
    """The file's typed rows; a bad file is one line naming it, its row and column."""
    from ingestion.table_files import read_path
    from transactional.errors import DomainError

    try:
        return read_path(path, reader)
    except DomainError as exc:
        _fail(f"{path.name}: {exc}")
        raise


@consolidation_app.command("load-tb")
def consolidation_load_tb(
    file: ConsolidationFile,
    division: Annotated[
        str, typer.Option("--division", "-d", help="The division (group company) it belongs to.")
    ],
    period: Annotated[str, typer.Option("--period", "-p", help="The month it closes, as YYYY-MM.")],
    dry_run: DryRun = False,
    acting: ActingUser = "admin",
) -> None:
    """Load a non-ERP unit's trial balance at the end of a month.

    The difference with the division's ledger is posted as one journal entry in its general
    journal, dated the month's last day; the same file again posts nothing, a corrected
    one only the corrections."""
    from ingestion.consolidation.files import read_trial_balance
    from transactional.consolidation.trial_balance_load import load_trial_balance

    tb = _read_rows_file(file, read_trial_balance)
    with _as_admin(acting, prefix=f"{file.name}: ") as (session, user):
        result = load_trial_balance(
            session=session,
            user=user,
            division=division,
            period=period,
            rows=tb.rows,
            file_name=tb.file_name,
            file_sha256=tb.sha256,
            dry_run=dry_run,
        )
    if result.changes:
        rows = [("Account", "Name", "Counterparty", "Ledger", "File", "Difference")]
        rows += [
            (
                c.account,
                c.account_name,
                c.counterparty or "",
                f"{c.ledger_balance:,.2f}",
                f"{c.file_balance:,.2f}",
                f"{c.difference:,.2f}",
            )
            for c in result.changes
        ]
        print(_columns(rows))
    where = f"{result.division} {result.period} ({result.currency})"
    if dry_run:
        console.print(
            f"Dry run of {file.name} for {where}: {len(result.changes)} balances "
            "would change; nothing written.",
            soft_wrap=True,
        )
    elif result.already_loaded:
        console.print(
            f"{file.name} was loaded for {where} before and the ledger still matches "
            "it: nothing written.",
            soft_wrap=True,
        )
    elif result.document_number:
        console.print(
            f"Posted [bold]{result.document_number}[/] on "
            f"{result.period_end.isoformat()} for {where}: "
            f"{len(result.changes)} balances changed.",
            soft_wrap=True,
        )
    else:
        console.print(
            f"The ledger of {where} already matches {file.name}: nothing to post "
            "(the load is recorded).",
            soft_wrap=True,
        )


@consolidation_app.command("load-structure")
def consolidation_load_structure(
    file: ConsolidationFile, dry_run: DryRun = False, acting: ActingUser = "admin"
) -> None:
    """Load the group structure: divisions, parents, ownership, investments.

    Missing divisions are created (with fiscal years and a general journal); each row with
    a parent sets that membership; unchanged rows change nothing. A created division is
    given to every user whose divisions made up the whole group level it joins (listed as
    "grant division"), so they keep reading the level and may load its trial balances;
    anyone else is given it by `erp users grant USER`, naming all of their divisions (each
    with --division) and the new one."""
    from ingestion.consolidation.files import read_group_structure
    from transactional.consolidation.group_structure_load import load_group_structure

    rows = _read_rows_file(file, read_group_structure)
    with _as_admin(acting, prefix=f"{file.name}: ") as (session, user):
        changes = load_group_structure(session=session, user=user, rows=rows, dry_run=dry_run)
    table = [("Row", "Division", "Change", "What")]
    table += [(str(c.row), c.division, c.action.replace("_", " "), c.detail) for c in changes]
    print(_columns(table))
    changed = sum(1 for c in changes if c.action != "unchanged")
    console.print(
        f"Dry run of {file.name}: {changed} changes; nothing written."
        if dry_run
        else f"{file.name}: {changed} changes made.",
        soft_wrap=True,
    )


@consolidation_app.command("load-mapping")
def consolidation_load_mapping(
    file: ConsolidationFile, dry_run: DryRun = False, acting: ActingUser = "admin"
) -> None:
    """Map divisions' accounts to the group chart.

    Columns: division (optional; empty maps a shared account for every division), account,
    group_account. Rows already mapped so change nothing."""
    from ingestion.consolidation.files import read_account_mapping
    from transactional.consolidation.account_mapping_load import load_account_mapping

    rows = _read_rows_file(file, read_account_mapping)
    with _as_admin(acting, prefix=f"{file.name}: ") as (session, user):
        changes = load_account_mapping(session=session, user=user, rows=rows, dry_run=dry_run)
    table = [("Row", "Division", "Account", "Group account", "Change")]
    table += [
        (
            str(c.row),
            c.division or "(shared)",
            c.account,
            c.group_account,
            c.action + (f" (was {c.previous})" if c.previous else ""),
        )
        for c in changes
    ]
    print(_columns(table))
    changed = sum(1 for c in changes if c.action != "unchanged")
    console.print(
        f"Dry run of {file.name}: {changed} changes; nothing written."
        if dry_run
        else f"{file.name}: {changed} changes made.",
        soft_wrap=True,
    )


@consolidation_app.command("check")
def consolidation_check(
    acting: Annotated[
        str,
        typer.Option(
            "--as",
            help="The user the check is made as (default admin): it covers the divisions "
            "that user may act in (an administrator's: all) and writes nothing.",
        ),
    ] = "admin",
) -> None:
    """List the accounts with ledger lines not mapped to the group chart.

    Exit code 1 when there is one: consolidation refuses to run then."""
    from transactional.consolidation.group_chart import unmapped_accounts
    from transactional.organisation import rights

    with _as_admin(acting) as (session, user):
        # A report: the user's divisions only, as the Consolidation page shows them.
        rights.require(session, user, "view_reports")
        scope = rights.allowed_divisions(session, user)
        found = unmapped_accounts(session, scope)
    where = "" if scope is None else f" of the divisions {user.username} may act in"
    if not found:
        console.print(f"Every account with ledger lines{where} is mapped to the group chart.")
        return
    rows = [("Division", "Account", "Name", "Lines")]
    rows += [(u.division_code, u.account_code, u.account_name, str(u.lines)) for u in found]
    print(_columns(rows))
    _fail(
        f"{len(found)} accounts with ledger lines are not mapped to the group chart; map them "
        "(erp consolidation load-mapping) before consolidating."
    )


# --- erp manufacturing -----------------------------------------------------------------


class ManufacturingKind(StrEnum):
    """The files of docs/manufacturing.md section 7, in the order they are loaded."""

    work_centres = "work-centres"
    items = "items"
    boms = "boms"
    routings = "routings"
    sales_plan = "sales-plan"
    opening_stock = "opening-stock"


@manufacturing_app.command("import")
def manufacturing_import(
    kind: Annotated[
        ManufacturingKind,
        typer.Argument(
            help="What the file holds. Load them in this order: work-centres, items, boms, "
            "routings, sales-plan, opening-stock.",
            show_default=False,
        ),
    ],
    file: ConsolidationFile,
    division: Annotated[
        str, typer.Option("--division", "-d", help="The division the file belongs to.")
    ],
    dry_run: DryRun = False,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="opening-stock: the date the stock is posted on (default today); items: the "
            "date a changed standard cost revalues the stock on hand.",
        ),
    ] = None,
    acting: ActingUser = "admin",
) -> None:
    """Import a manufacturer's file: create and update what it holds.

    Every row is checked before anything is written; a bad row is named and nothing is
    loaded. The same file again changes nothing. Each record is listed as create, update
    (with what changes), unchanged or remove; --dry-run lists them and writes nothing.
    Rights: manage_items (work centres, items, BOMs, routings), manufacture (sales plan),
    manage_stock (opening stock)."""
    from ingestion.manufacturing.files import READERS
    from transactional import clock
    from transactional.dates import parse_date
    from transactional.errors import DomainError
    from transactional.manufacturing import master_data_load as loads
    from transactional.manufacturing.opening_stock_load import load_opening_stock

    day = None
    if on is not None:
        try:
            day = parse_date(on, field="on", label="--on")
        except DomainError as exc:
            _fail(str(exc))
    rows = _read_rows_file(file, READERS[kind.value])
    with (
        console.status(f"Loading {file.name} ({len(rows)} rows)..."),
        _as_admin(acting, prefix=f"{file.name}: ") as (session, user),
    ):
        if kind is ManufacturingKind.opening_stock:
            stock = load_opening_stock(
                session=session,
                user=user,
                division=division,
                rows=rows,
                on=day or clock.today(),
                dry_run=dry_run,
            )
        elif kind is ManufacturingKind.items:
            changes = loads.load_items(
                session=session, user=user, division=division, rows=rows, on=day, dry_run=dry_run
            )
        else:
            loaders: dict[ManufacturingKind, Callable[..., list[loads.PlannedChange]]] = {
                ManufacturingKind.work_centres: loads.load_work_centres,
                ManufacturingKind.boms: loads.load_boms,
                ManufacturingKind.routings: loads.load_routings,
                ManufacturingKind.sales_plan: loads.load_sales_plan,
            }
            loader = loaders[kind]
            changes = loader(
                session=session, user=user, division=division, rows=rows, dry_run=dry_run
            )
    if kind is ManufacturingKind.opening_stock:
        _print_stock_differences(file.name, stock, dry_run)
        return
    table = [("Row", "Record", "Change", "What")]
    table += [(str(c.row), c.key, c.action, c.detail) for c in changes]
    print(_columns(table))
    changed = sum(1 for c in changes if c.action != "unchanged")
    console.print(
        f"Dry run of {file.name}: {changed} changes; nothing written."
        if dry_run
        else f"{file.name}: {changed} changes made.",
        soft_wrap=True,
    )


def _print_stock_differences(name: str, stock: OpeningStockLoad, dry_run: bool) -> None:
    table = [("Row", "Item", "Warehouse", "Lot", "On hand", "File", "Difference", "Value")]
    table += [
        (
            str(d.row),
            d.item,
            d.warehouse,
            d.lot,
            _quantity(d.on_hand),
            _quantity(d.quantity),
            _quantity(d.difference) if d.difference else "unchanged",
            f"{d.value:,.2f}" if d.value is not None else "",
        )
        for d in stock.differences
    ]
    print(_columns(table))
    moved = sum(1 for d in stock.differences if d.difference)
    if dry_run:
        message = f"Dry run of {name}: {moved} differences; nothing written."
    elif stock.document_number:
        message = (
            f"Posted [bold]{stock.document_number}[/] (entry {stock.entry_number}) on "
            f"{stock.on.isoformat()}: {moved} differences."
        )
    else:
        message = f"{name}: the stock on hand already matches; nothing posted."
    console.print(message, soft_wrap=True)


def _quantity(value: object) -> str:
    from decimal import Decimal

    return format(Decimal(str(value)).normalize(), "f")


@manufacturing_app.command("mrp")
def manufacturing_mrp(
    division: Annotated[str, typer.Option("--division", "-d", help="The division to plan.")],
    start: Annotated[
        str,
        typer.Option(
            "--start",
            help="The first day planned (YYYY-MM-DD); earlier demand counts in the first bucket.",
        ),
    ],
    bucket: Annotated[
        str, typer.Option("--bucket", help="The length of a bucket: day, week or month.")
    ] = "week",
    buckets: Annotated[
        int, typer.Option("--buckets", help="How many buckets are planned.", min=1)
    ] = 26,
    acting: Annotated[
        str,
        typer.Option(
            "--as",
            help="The user the run is made as (default admin; right manufacture).",
        ),
    ] = "admin",
) -> None:
    """Run MRP for a division and list its advice: what to buy or make, how much, when.

    The run is stored with its requirements, advice and pegging (docs/manufacturing.md
    section 5); the Manufacturing page shows the latest run. Advice whose order date lies
    before --start is late."""
    from sqlmodel import col, select

    from transactional.manufacturing.models import MrpAdvice
    from transactional.manufacturing.mrp import run_mrp
    from transactional.wholesale.models import Item

    with (
        console.status(f"Planning {division} from {start}..."),
        _as_admin(acting) as (session, user),
    ):
        run = run_mrp(
            session=session,
            user=user,
            division=division,
            start=start,
            bucket=bucket,
            buckets=buckets,
        )
        advice = session.exec(
            select(MrpAdvice, Item.code)
            .join(Item, col(Item.id) == MrpAdvice.item_id)
            .where(MrpAdvice.run_id == run.id)
            .order_by(col(MrpAdvice.order_date), col(Item.code))
        ).all()
        first = run.start_date
    table = [("Item", "Action", "Quantity", "Order date", "Due date", "Late")]
    table += [
        (
            code,
            a.action,
            _quantity(a.quantity),
            a.order_date.isoformat(),
            a.due_date.isoformat(),
            "yes" if a.order_date < first else "",
        )
        for a, code in advice
    ]
    if advice:
        print(_columns(table))
    late = sum(1 for a, _ in advice if a.order_date < first)
    console.print(
        f"MRP run {run.id} for {division} from {first.isoformat()} ({buckets} x {bucket}): "
        f"{len(advice)} advice, {late} late.",
        soft_wrap=True,
    )


def _dagster_home() -> Path:
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    template = settings.PROJECT_ROOT / "orchestration" / "dagster_home" / "dagster.yaml"
    if template.exists() and not (home / "dagster.yaml").exists():
        shutil.copy(template, home / "dagster.yaml")
    return home


def _database_is_empty(url: str) -> bool:
    from sqlalchemy import func, select

    from transactional.database import make_engine
    from transactional.organisation.models import Division

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Division)).scalar_one() == 0
    finally:
        engine.dispose()


def _sqlite_holds_data(url: str) -> bool:
    """True when the SQLite file exists with any division in it (a migrated, filled book)."""
    from sqlalchemy.exc import OperationalError

    if not Path(url.removeprefix("sqlite:///")).is_file():
        return False
    try:
        return not _database_is_empty(url)
    except OperationalError:  # not migrated yet: no table, no data
        return False


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


class _Stopped(Exception):
    """This process was asked to stop (SIGTERM, SIGHUP) while serving."""


def _serve(cmd: list[str], env: dict[str, str]) -> None:
    """Run a server (Streamlit, dagster dev) until it ends or this command is stopped.

    The server runs in its own process group: stopping this command (Ctrl+C, SIGTERM,
    SIGHUP) stops the whole group — the server and the processes it started — and waits
    for it, so the port is free when the command has returned. A plain ``subprocess.call``
    let SIGTERM end this process alone and left the server serving the port.
    """

    def stop(signum: int, frame: object) -> None:
        raise _Stopped(signum)

    child = subprocess.Popen(cmd, env=env, cwd=settings.PROJECT_ROOT, start_new_session=True)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    code = 0
    try:
        code = child.wait()
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop_group(child)
    raise typer.Exit(code)


def _stop_group(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the child's process group, SIGKILL after the grace period; then reap."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:  # the group is gone: nothing left serving
            break
        try:
            child.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        # The server is down; what it started may linger in its group a moment longer.
        if not _group_alive(child.pid, STOP_GRACE_SECONDS):
            break
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=STOP_GRACE_SECONDS)


def _group_alive(group: int, seconds: float) -> bool:
    """Whether any process of ``group`` is still there after waiting up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}@{host}"
    return url


def _reflow_help(typer_app: typer.Typer) -> None:
    """Give each command its docstring as help with every paragraph on one line.

    Typer's rich help keeps the line breaks of the paragraphs after the first, so the
    docstring's source line breaks showed as ragged lines in --help; joined, the terminal's
    width wraps them. Blank lines still separate paragraphs."""
    for info in typer_app.registered_commands:
        doc = info.callback.__doc__ if info.callback is not None else None
        if info.help is None and doc:
            paragraphs = inspect.cleandoc(doc).split("\n\n")
            info.help = "\n\n".join(" ".join(p.split()) for p in paragraphs)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


_reflow_help(app)

if __name__ == "__main__":
    app()
