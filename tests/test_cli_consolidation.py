"""`erp consolidation ...`: help, the three loaders end to end on files, one-line refusals
that write nothing, and the unmapped-accounts check's exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.test_cli_users import erp

COMMANDS = [
    ["consolidation"],
    ["consolidation", "load-tb"],
    ["consolidation", "load-structure"],
    ["consolidation", "load-mapping"],
    ["consolidation", "check"],
]
TB = (
    "account;name;debit;credit;counterparty\n"
    "1100;Bank;12.500,00;;\n"
    "1350;Intercompany;800,00;;HOLD\n"
    "0500;Capital;;10.000,00;\n"
    "8000;Sales;;3.300,00;\n"
)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_consolidation_command_has_help(command: list[str]) -> None:
    result = erp(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and "--help" in result.stdout


@pytest.mark.parametrize(
    ("command", "sentence"),
    [
        (
            ["consolidation", "load-tb"],
            "The difference with the division's ledger is posted as one journal entry in its "
            "general journal, dated the month's last day;",
        ),
        (
            ["consolidation", "load-structure"],
            "Missing divisions are created (with fiscal years and a general journal); each row "
            "with a parent sets that membership;",
        ),
        (
            ["generate"],
            "Fixed dates by default (through 2026-10-31, fiscal years 2024-2026), so the same "
            "seed gives the same company on any day;",
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else "",
)
def test_help_paragraphs_wrap_at_the_terminal_width(command: list[str], sentence: str) -> None:
    # Wide enough for the sentence: a line break from the source would still cut it.
    result = erp(*command, "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert sentence in result.stdout


@pytest.fixture
def company(tmp_path: Path) -> str:
    from tests.transactional.company import build_company
    from transactional.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'erp.db'}"
    upgrade(url)
    build_company(url)
    return url


def scalar(url: str, sql: str) -> object:
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            return con.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_group_set_up_and_trial_balance_from_files(company: str, tmp_path: Path) -> None:
    env = {"ERP_DATABASE_URL": company}
    entries = "select count(*) from journal_entry"
    # The standard group chart maps the shared chart; the file below remaps one account.
    from tests.transactional.company import user
    from transactional.consolidation.group_chart import install_standard_group_chart
    from transactional.database import make_engine, session_scope

    engine = make_engine(company)
    with session_scope(engine) as s:
        install_standard_group_chart(session=s, user=user(s, "admin"))
    engine.dispose()

    structure = tmp_path / "group.csv"
    structure.write_text(
        "division,parent,ownership_pct,valid_from,investment_cost,investment_account\n"
        "HOLD,,,,,\n"
        "US01,HOLD,80,2025-01-01,900000,0800\n",
        encoding="utf-8",
    )
    dry = erp("consolidation", "load-structure", str(structure), "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "add membership" in dry.stdout and "nothing written" in dry.stderr
    assert scalar(company, "select count(*) from group_member") == 0
    loaded = erp("consolidation", "load-structure", str(structure), env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert scalar(company, "select count(*) from group_member") == 1
    again = erp("consolidation", "load-structure", str(structure), env=env)
    assert "unchanged" in again.stdout and "0 changes made" in again.stderr

    mapping = tmp_path / "mapping.csv"
    mapping.write_text("division,account,group_account\nUS01,4300,G720\n", encoding="utf-8")
    mapped = erp("consolidation", "load-mapping", str(mapping), env=env)
    assert mapped.returncode == 0, mapped.stderr
    assert "1 changes made" in mapped.stderr

    tb = tmp_path / "us01-2025-03.csv"
    tb.write_text(TB, encoding="utf-8-sig")
    before = scalar(company, entries)
    preview = erp(
        "consolidation", "load-tb", str(tb), "-d", "US01", "-p", "2025-03", "--dry-run", env=env
    )
    assert preview.returncode == 0, preview.stderr
    assert "12,500.00" in preview.stdout and "nothing written" in preview.stderr
    assert scalar(company, entries) == before
    posted = erp(
        "consolidation",
        "load-tb",
        str(tb),
        "--division",
        "US01",
        "--period",
        "2025-03",
        "--as",
        "accountant",
        env=env,
    )
    assert posted.returncode == 0, posted.stderr
    assert "Posted MEM2025-000001 on 2025-03-31 for US01 2025-03 (USD): 4 balances changed." in (
        posted.stderr.replace("\n", " ")
    )
    second = erp("consolidation", "load-tb", str(tb), "-d", "US01", "-p", "2025-03", env=env)
    assert second.returncode == 0 and "nothing written" in second.stderr
    assert scalar(company, entries) == before + 1
    assert erp("consolidation", "check", env=env).returncode == 0


def test_a_created_division_is_given_to_the_readers_of_its_level(
    company: str, tmp_path: Path
) -> None:
    from tests.transactional.company import user
    from transactional.consolidation.group_chart import install_standard_group_chart
    from transactional.database import make_engine, session_scope

    engine = make_engine(company)
    with session_scope(engine) as s:
        install_standard_group_chart(session=s, user=user(s, "admin"))
    engine.dispose()
    env = {"ERP_DATABASE_URL": company}
    structure = tmp_path / "group.csv"
    structure.write_text(
        "division,name,currency,country,parent,ownership_pct,valid_from\n"
        "US01,,,,HOLD,80,2025-01-01\n"
        "GB02,Holding UK BV,EUR,NL,HOLD,100,2025-01-01\n",
        encoding="utf-8",
    )
    loaded = erp("consolidation", "load-structure", str(structure), env=env)
    assert loaded.returncode == 0, loaded.stderr
    granted = [line.split() for line in loaded.stdout.splitlines() if "grant division" in line]
    # Row, division, "grant division", "to NAME, who held every division of level HOLD".
    assert [(words[1], words[5]) for words in granted] == [
        ("GB02", "accountant,"),
        ("GB02", "analyst,"),
        ("GB02", "manager,"),
    ]
    tb = tmp_path / "gb02-2025-03.csv"
    tb.write_text("account;debit;credit\n1100;500,00;\n0500;;500,00\n", encoding="utf-8")
    posted = erp(
        "consolidation",
        "load-tb",
        str(tb),
        "-d",
        "GB02",
        "-p",
        "2025-03",
        "--as",
        "accountant",
        env=env,
    )
    assert posted.returncode == 0, posted.stderr
    assert "for GB02 2025-03 (EUR)" in posted.stderr.replace("\n", " ")


def one_line_error(result) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_refusals_are_one_line_and_write_nothing(company: str, tmp_path: Path) -> None:
    env = {"ERP_DATABASE_URL": company}
    entries = "select count(*) from journal_entry"
    before = scalar(company, entries)
    bad = tmp_path / "bad.csv"
    bad.write_text("account,debit,credit\n1100,12.5x,\n", encoding="utf-8")
    assert (
        one_line_error(
            erp("consolidation", "load-tb", str(bad), "-d", "US01", "-p", "2025-03", env=env)
        )
        == "Error: bad.csv: Row 2, column debit: '12.5x' is not an amount; write it like 1234.56."
    )
    unbalanced = tmp_path / "unbalanced.csv"
    unbalanced.write_text("account,balance\n1100,100\n0500,-90\n", encoding="utf-8")
    assert one_line_error(
        erp("consolidation", "load-tb", str(unbalanced), "-d", "US01", "-p", "2025-03", env=env)
    ) == (
        "Error: unbalanced.csv: The trial balance does not balance: debit 100.00 and credit "
        "90.00 USD differ by 10.00 USD."
    )
    assert (
        one_line_error(
            erp("consolidation", "load-tb", str(unbalanced), "-d", "XX01", "-p", "2025-03", env=env)
        )
        == "Error: unbalanced.csv: Division 'XX01' does not exist."
    )
    assert one_line_error(
        erp(
            "consolidation",
            "load-tb",
            str(unbalanced),
            "-d",
            "US01",
            "-p",
            "2025-03",
            "--as",
            "clerk_us",
            env=env,
        )
    ).startswith("Error: unbalanced.csv: A clerk may not maintain the group structure")
    missing = tmp_path / "missing.csv"
    assert one_line_error(erp("consolidation", "load-structure", str(missing), env=env)).startswith(
        "Error: missing.csv: The file "
    )
    structure = tmp_path / "group.csv"
    structure.write_text("division,parent,ownership_pct\nUS01,HOLD,80\n", encoding="utf-8")
    assert one_line_error(erp("consolidation", "load-structure", str(structure), env=env)) == (
        "Error: group.csv: Row 2: valid_from is required for a company with a parent."
    )
    assert scalar(company, entries) == before
    assert scalar(company, "select count(*) from group_member") == 0


def test_check_lists_unmapped_accounts_and_fails(company: str) -> None:
    from tests.transactional.company import user
    from transactional.database import make_engine, session_scope
    from transactional.finance.posting import EntryDraft, LineDraft, post_entry

    engine = make_engine(company)
    with session_scope(engine) as s:
        post_entry(
            session=s,
            user=user(s, "accountant"),
            entry=EntryDraft(
                division="HOLD",
                journal="MEM",
                entry_date="2025-03-15",
                lines=[
                    LineDraft(account="4300", debit="10"),
                    LineDraft(account="1100", credit="10"),
                ],
            ),
        )
    engine.dispose()
    result = erp("consolidation", "check", env={"ERP_DATABASE_URL": company})
    assert result.returncode == 1
    assert [line.split()[:2] for line in result.stdout.splitlines()[1:]] == [
        ["HOLD", "1100"],
        ["HOLD", "4300"],
    ]
    assert "2 accounts with ledger lines are not mapped" in result.stderr
    # --as: the check covers the divisions that user may act in (clerk_us: US01 only).
    scoped = erp("consolidation", "check", "--as", "clerk_us", env={"ERP_DATABASE_URL": company})
    assert scoped.returncode == 0, scoped.stderr
    assert "of the divisions clerk_us may act in is mapped" in scoped.stderr.replace("\n", " ")
