"""The dbt project's SQL stays portable: it builds on DuckDB and on Spark (dbt-spark) alike.

Engine differences belong in ``adapter.dispatch`` macros named ``duckdb__<name>``,
``spark__<name>`` or ``postgres__<name>`` (models/macros/portable.sql). Everywhere else
(models, singular tests, the other macros, ``default__`` bodies too, since default serves
DuckDB and every engine without its own body) the SQL must be the common subset. This is a
lint on the files themselves: no dbt, no engine, a fraction of a second.

The checker masks what is not SQL code (SQL and Jinja comments, the inside of string
literals, Jinja blocks, engine-specific macro bodies) with spaces, keeping every offset, so
a match points at the file's own line. YAML is never scanned.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2] / "models"

# Where dbt reads SQL from (dbt_project.yml: model-, macro- and test-paths); target/ and
# logs/ are dbt's own output and never scanned.
SQL_FILES = sorted(
    [
        *(PROJECT / "models").rglob("*.sql"),
        *(PROJECT / "macros").rglob("*.sql"),
        *(PROJECT / "tests").glob("*.sql"),
    ]
)

ENGINE_MACRO = re.compile(r"^[-+]?\s*macro\s+(?:duckdb|spark|postgres)__\w+", re.IGNORECASE)
END_MACRO = re.compile(r"^[-+]?\s*endmacro\b", re.IGNORECASE)

# (pattern, what to do instead), matched case-insensitively on the SQL with Jinja blocks
# blanked out: dbt's own cross-database macros ({{ dbt.generate_series(...) }}) and Jinja
# lists ({% set x = [...] %}) are Jinja, not SQL.
SQL_RULES: list[tuple[str, str]] = [
    (r"\blist\s*\(", "DuckDB list(): use array_agg/collect_list in a dispatch macro"),
    (r"\blist_\w*\s*\(", "DuckDB list_* function: move it into a dispatch macro"),
    (r"\[", "list/array literal or subscript [...]: DuckDB syntax, use a dispatch macro"),
    (r"\bstruct_pack\s*\(", "DuckDB struct_pack(): use a dispatch macro (named_struct on Spark)"),
    (r"\bstrftime\s*\(", "DuckDB strftime(): use a dispatch macro (date_format on Spark)"),
    (r"\bstrptime\s*\(", "DuckDB strptime(): use cast(... as date) or a dispatch macro"),
    (r"\bgenerate_series\s*\(", "bare generate_series(): use {{ day_numbers(n) }}"),
    (r"\brange\s*\(", "DuckDB range(): use {{ day_numbers(n) }} (dbt.generate_series)"),
    (r"\bunnest\s*\(", "unnest(): use a dispatch macro (explode on Spark)"),
    (r"\bexclude\b", "select * exclude: DuckDB only, list the columns"),
    (
        r"\*\s*(?:exclude\s*\([^)]*\)\s*)?replace\s*\(",
        "select * replace (...): DuckDB only, list the columns",
    ),
    (r"\*\s*rename\s*\(", "select * rename (...): DuckDB only, list the columns"),
    (r"::", "'::' cast: use cast(x as type)"),
    (
        r'"[^"\n]*"',
        "double-quoted identifier: Spark reads it as a string, use {{ adapter.quote('x') }}",
    ),
    (r"\bqualify\b", "qualify: filter a window in a subquery instead"),
    (r"\bilike\b", "ilike: use lower(x) like lower(pattern)"),
    (r"\bepoch\s*\(", "DuckDB epoch(): use a dispatch macro (unix_timestamp on Spark)"),
    (r"\bdate_?diff\s*\(", "date_diff()/datediff() in SQL: use {{ days_between(start, end) }}"),
    (r"\barg_max\s*\(", "DuckDB arg_max(): use max_by()"),
    (r"\barg_min\s*\(", "DuckDB arg_min(): use min_by()"),
    (r"//", "'//' integer division: use cast(floor(a / b) as bigint) or a dispatch macro"),
    (
        r"(?<![/*])/(?![/*])",
        "division a / b: use {{ divide(a, b) }} (Spark keeps decimals and cuts the scale, "
        "DuckDB divides as doubles)",
    ),
    (r"\bhugeint\b", "DuckDB type hugeint: use bigint or decimal(38, 0)"),
    (r"\bvarchar\b", "type varchar: use {{ dbt.type_string() }}"),
    (r"\bubigint\b", "DuckDB unsigned type ubigint: use bigint or decimal"),
    (r"\butinyint\b", "DuckDB unsigned type utinyint: use smallint or integer"),
    (r"\bdouble\s+precision\b", "type double precision: use {{ dbt.type_float() }}"),
]

# Matched on the SQL with the Jinja left in: safe_cast is called from Jinja
# ({{ dbt.safe_cast(...) }}), and it is not safe on DuckDB (it raises).
JINJA_RULES: list[tuple[str, str]] = [
    (r"\bsafe_cast\b", "safe_cast is not safe on DuckDB: use try_cast in a dispatch macro"),
]

COMPILED = [
    (re.compile(pattern, re.IGNORECASE), reason, with_jinja)
    for rules, with_jinja in ((SQL_RULES, False), (JINJA_RULES, True))
    for pattern, reason in rules
]


def _blank(chars: list[str], start: int, end: int) -> None:
    """Spaces over chars[start:end], newlines kept, so offsets and line numbers hold."""
    for index in range(start, end):
        if chars[index] != "\n":
            chars[index] = " "


def _jinja_end(text: str, start: int) -> int:
    """The end (exclusive) of the Jinja block opening at start: {{ }}, {% %} or {# #}."""
    closer = {"{": "}}", "%": "%}", "#": "#}"}[text[start + 1]]
    if closer == "#}":
        end = text.find(closer, start + 2)
        return len(text) if end < 0 else end + 2
    index, quote = start + 2, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif text.startswith(closer, index):
            return index + 2
        index += 1
    return len(text)


def masked(text: str) -> tuple[str, str]:
    """(sql, sql_with_jinja): the text with what is not checked replaced by spaces.

    Both views drop SQL and Jinja comments, the inside of SQL string literals and the
    bodies of duckdb__/spark__/postgres__ macros; the first also drops every Jinja block.
    """
    sql, with_jinja = list(text), list(text)
    engine_start: int | None = None
    index = 0
    while index < len(text):
        two = text[index : index + 2]
        if two in ("{{", "{%", "{#"):
            end = _jinja_end(text, index)
            _blank(sql, index, end)
            if two == "{#":
                _blank(with_jinja, index, end)
            elif two == "{%":
                statement = text[index + 2 : end - 2]
                if engine_start is None and ENGINE_MACRO.match(statement):
                    engine_start = index
                elif engine_start is not None and END_MACRO.match(statement):
                    _blank(sql, engine_start, end)
                    _blank(with_jinja, engine_start, end)
                    engine_start = None
            index = end
        elif two == "--":
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            _blank(sql, index, end)
            _blank(with_jinja, index, end)
            index = end
        elif two == "/*":
            end = text.find("*/", index + 2)
            end = len(text) if end < 0 else end + 2
            _blank(sql, index, end)
            _blank(with_jinja, index, end)
            index = end
        elif text[index] == "'":
            # A string literal: its inside is data, not syntax ('' is an escaped quote).
            # Jinja inside it ('{{ value }}') is skipped whole, for its own quotes.
            index += 1
            while index < len(text):
                if text[index : index + 2] in ("{{", "{%", "{#"):
                    end = _jinja_end(text, index)
                    _blank(sql, index, end)
                    index = end
                elif text[index : index + 2] == "''":
                    _blank(sql, index, index + 2)
                    _blank(with_jinja, index, index + 2)
                    index += 2
                elif text[index] == "'":
                    index += 1
                    break
                else:
                    _blank(sql, index, index + 1)
                    _blank(with_jinja, index, index + 1)
                    index += 1
        else:
            index += 1
    if engine_start is not None:  # an unclosed engine macro: nothing after it is checked
        _blank(sql, engine_start, len(text))
        _blank(with_jinja, engine_start, len(text))
    return "".join(sql), "".join(with_jinja)


def violations(text: str, path: str = "<sql>") -> list[str]:
    """One 'path:line: reason: found ... in ...' message per non-portable construct."""
    sql, with_jinja = masked(text)
    lines = text.splitlines()
    found: list[tuple[int, str]] = []
    for pattern, reason, jinja in COMPILED:
        for match in pattern.finditer(with_jinja if jinja else sql):
            line = text.count("\n", 0, match.start()) + 1
            source = lines[line - 1].strip() if line <= len(lines) else ""
            message = f"{path}:{line}: {reason}: found {match.group(0)!r} in: {source}"
            found.append((match.start(), message))
    return [message for _, message in sorted(found)]


def test_project_sql_is_portable() -> None:
    """Models, macros and singular tests hold no DuckDB-only (or Spark-only) SQL."""
    assert any("models/models" in path.as_posix() for path in SQL_FILES), PROJECT
    assert PROJECT / "macros" / "portable.sql" in SQL_FILES
    problems = [
        problem
        for path in SQL_FILES
        for problem in violations(
            path.read_text(encoding="utf-8"), path.relative_to(PROJECT.parent).as_posix()
        )
    ]
    assert not problems, "Non-portable SQL outside duckdb__/spark__ macros:\n" + "\n".join(problems)


# One snippet per rule: each must be reported, and must not be once it sits in an engine
# macro, a comment or a string literal.
OFFENDING = [
    "select list(amount) as amounts from lines",
    "select list_value(1, 2) as pair",
    "select amount / quantity as unit_price from lines",
    "select list_agg(amount) from lines",
    "select [1, 2, 3] as numbers",
    "select struct_pack(a := 1) as s",
    "select strftime(invoice_date, '%Y-%m') as month",
    "select strptime(raw_date, '%d-%m-%Y') as day",
    "select * from generate_series(1, 10)",
    "select * from range(10)",
    "select unnest(items) from orders",
    "select * exclude (secret) from users",
    "select * replace (amount * 2 as amount) from lines",
    "select * exclude (a) replace (b + 1 as b) from lines",
    "select * rename (a as b) from lines",
    "select amount::decimal(18, 2) from lines",
    'select "name" from relations',
    "select {{ dbt.safe_cast('amount', 'integer') }} from lines",
    "select safe_cast(amount as integer) from lines",
    "select * from lines qualify row_number() over (order by id) = 1",
    "select * from relations where name ilike 'a%'",
    "select epoch(created_at) from lines",
    "select date_diff('day', a, b) from lines",
    "select datediff(a, b) from lines",
    "select arg_max(name, amount) from lines",
    "select arg_min(name, amount) from lines",
    "select amount // 2 from lines",
    "select cast(amount as hugeint) from lines",
    "select cast(code as varchar) from lines",
    "select cast(n as ubigint) from lines",
    "select cast(n as utinyint) from lines",
    "select cast(n as double precision) from lines",
]


@pytest.mark.parametrize("snippet", OFFENDING)
def test_checker_reports_each_pattern(snippet: str) -> None:
    text = f"with a as (select 1)\n{snippet}\n"
    problems = violations(text, "model.sql")
    assert problems, snippet
    assert all(problem.startswith("model.sql:2: ") for problem in problems), problems
    assert snippet.strip() in problems[0]


@pytest.mark.parametrize("engine", ["duckdb", "spark", "postgres"])
@pytest.mark.parametrize("snippet", OFFENDING)
def test_checker_allows_engine_macros(snippet: str, engine: str) -> None:
    text = (
        "{% macro thing(x) -%}\n"
        "    {{ return(adapter.dispatch('thing', 'erp')(x)) }}\n"
        "{%- endmacro %}\n"
        f"{{%- macro {engine}__thing(x) -%}}\n    {snippet}\n{{%- endmacro %}}\n"
        "{% macro default__thing(x) -%}\n    cast(x as integer)\n{%- endmacro %}\n"
    )
    assert violations(text) == []


@pytest.mark.parametrize("snippet", OFFENDING)
def test_checker_ignores_comments(snippet: str) -> None:
    for text in (
        f"select 1 -- {snippet}\n",
        f"/* {snippet}\n   more */ select 1\n",
        f"{{# {snippet} #}}\nselect 1\n",
        f"{{#- {snippet}\n -#}}\nselect 1\n",
    ):
        assert violations(text) == [], text


@pytest.mark.parametrize("snippet", [s for s in OFFENDING if "'" not in s])
def test_checker_ignores_string_literals(snippet: str) -> None:
    assert violations(f"select '{snippet}' as label, 'it''s {snippet}' as other\n") == []


def test_checker_reports_default_macro_bodies() -> None:
    """default__ serves DuckDB and every other engine: it must be portable too."""
    text = "{% macro default__thing(x) -%}\n    {{ x }}::integer\n{%- endmacro %}\n"
    assert violations(text, "macros/m.sql") == [
        "macros/m.sql:2: '::' cast: use cast(x as type): found '::' in: {{ x }}::integer"
    ]


def test_checker_reports_after_an_engine_macro() -> None:
    text = (
        "{% macro spark__thing() %}select x::int{% endmacro %}\n"
        "{% macro other() %}\nselect x::int\n{% endmacro %}\n"
    )
    assert [problem.split(":")[1] for problem in violations(text)] == ["3"]


def test_checker_accepts_portable_sql() -> None:
    """Jinja lists, dbt's cross-database macros, window ranges, quoted names via adapter."""
    text = """\
{#- A model's comment: it's free text, with "quotes", x::int and [brackets]. -#}
{%- set measures = ['revenue', 'margin'] -%}
with days as (
    select generated_number from ({{ dbt.generate_series(10) }}) as series
),
final as (
    select
        cast(amount as decimal(18, 2)) as amount,  -- no '::' here
        cast('{{ var("as_of_date", '2025-01-01') }}' as date) as as_of_date,
        'it''s [not] a "list"' as label,
        {{ adapter.quote('name') }},
        {{ dbt.concat(["'a'", "'b'"]) }} as ab,
        {{ days_between('due_date', as_of_date()) }} as days_overdue,
        max_by(name, amount) as top_name,
        sum(amount) over (order by day range between unbounded preceding and current row)
            as running,
        replace(code, '-', '') as code,
        {{ divide("a", "b") }} as ratio
    from lines /* a block comment with * exclude (x) */
)
select * from final
"""
    assert violations(text) == []


def test_checker_names_file_line_and_text() -> None:
    text = "select\n    a,\n    b::int as b\nfrom t\n"
    assert violations(text, "models/x.sql") == [
        "models/x.sql:3: '::' cast: use cast(x as type): found '::' in: b::int as b"
    ]
