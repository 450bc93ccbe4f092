"""The ABC rule of docs/wholesale.md on a hand-worked example.

The page selects from the ABC marts (mart_abc_items / mart_abc_customers) one window ending
with the sidebar's fiscal year and period, and compares the stored share before each tie
block with the user's thresholds. The contract warehouse (contract_warehouse.py) holds,
for division HOLD in 2025 (the fiscal year to date through period 12), these sales per
item (one or two invoice lines each; I08 is a credit note in March 2025 for a
sale of December 2024, so its 2025 value is negative):

    item  revenue  quantity
    I01     400       40      (two invoices of 200)
    I02     250       10
    I03     180       60
    I04      60       12      } a tie on revenue: one block, ordered by code
    I05      60        6      }
    I06      50       68
    I07       0        4      (free samples)
    I08     -30       -2      (credit note)

Only positive values share the total: revenue 1,000, quantity 200.

By revenue, thresholds A 80 %, B 15 % (A + B = 95 %). "Before" is the share of all higher
blocks; the class compares it with the thresholds:

    block     value  share  before  cumulative  class
    I01        400   0.40    0.00     0.40      A   (0.00 < 0.80)
    I02        250   0.25    0.40     0.65      A   (0.40 < 0.80)
    I03        180   0.18    0.65     0.83      A   (0.65 < 0.80: crosses 80 %, still A)
    I04+I05    120   0.12    0.83     0.95      B   (0.83 >= 0.80, < 0.95), both members
    I06         50   0.05    0.95     1.00      C   (0.95 is not below 0.95)
    I07          0     -       -        -       C   (zero)
    I08        -30     -       -        -       C   (negative)
    -> A 3, B 2, C 3

Same, A changed to 60 % (A + B = 75 %):
    I01 0.00 -> A; I02 0.40 -> A; I03 0.65 -> B (>= 0.60, < 0.75);
    I04, I05 0.83 -> C; I06, I07, I08 C                  -> A 2, B 1, C 5

Same, A changed to 85 % (A + B = 100 %):
    I01, I02, I03 A; the block I04+I05 starts at 0.83 < 0.85 -> both A (the block ends at
    0.95, past 85 %, but a block is classed by the share before it);
    I06 0.95 < 1.00 -> B; I07, I08 C                      -> A 5, B 1, C 2

By quantity, A 80 %, B 15 % (total 200):
    I06 68 (0.34, before 0.00) A; I03 60 (0.30, before 0.34) A; I01 40 (0.20, before 0.64)
    A; I04 12 (before 0.84) B; I02 10 (before 0.90) B; I05 6 (before 0.95) C;
    I07 4 (before 0.98) C; I08 -2 C                       -> A 3, B 2, C 3

Customers by revenue (C1: 200 + 250 + 50 = 500, C2: 200 + 60 + 0 = 260,
C3: 180 + 60 - 30 = 210; total 970), A 50 %, B 15 %:
    C1 before 0 -> A; C2 before 500/970 = 0.515 -> B (< 0.65); C3 before 760/970 = 0.784 -> C

Other windows (sales of 2024: I01 300 in March, I02 100 in June, I08 30 in December):
    2024 to date through period 12: I01 300 (before 0) A, I02 100 (before 300/430 = 0.698)
    A, I08 30 (before 400/430 = 0.930) B.
    12 months through 2025-03 (April 2024 - March 2025): I02 100 + 250 = 350 (before 0)
    A, I01 200 (before 350/550 = 0.636) A, I08 30 - 30 = 0 C.
"""

from __future__ import annotations

import pytest

from dashboards.queries import abc
from dashboards.warehouse import PublishedWarehouse

HOLD, UK = 1, 2
YEAR_2025 = {"fiscal_year": 2025, "period": 12, "window": "fiscal_ytd"}


def _choice(**choice: object) -> abc.AbcChoice:
    picked: dict[str, object] = {"division_ids": (HOLD,), **YEAR_2025, **choice}
    return abc.AbcChoice(**picked)  # type: ignore[arg-type]


def _classes(wh: PublishedWarehouse, **choice: object) -> dict[str, str]:
    df = abc.classify(wh, _choice(**choice))
    return dict(zip(df["code"], df["abc_class"], strict=True))


def _counts(classes: dict[str, str]) -> dict[str, int]:
    return {c: sum(v == c for v in classes.values()) for c in "ABC"}


def test_revenue_with_the_default_thresholds(contract_wh: PublishedWarehouse) -> None:
    assert _classes(contract_wh) == {
        "I01": "A",
        "I02": "A",
        "I03": "A",
        "I04": "B",
        "I05": "B",
        "I06": "C",
        "I07": "C",
        "I08": "C",
    }


def test_ranks_values_and_shares(contract_wh: PublishedWarehouse) -> None:
    df = abc.classify(contract_wh, _choice())
    assert list(df["code"]) == ["I01", "I02", "I03", "I04", "I05", "I06", "I07", "I08"]
    assert list(df["rank"]) == list(range(1, 9))
    assert list(df["value"]) == [400, 250, 180, 60, 60, 50, 0, -30]
    assert list(df["share"].round(6)[:6]) == [0.40, 0.25, 0.18, 0.06, 0.06, 0.05]
    assert list(df["cumulative_share"].round(6)[:6]) == [0.40, 0.65, 0.83, 0.89, 0.95, 1.0]
    # The tie block shares its share-before; zero and negative values share nothing.
    assert list(df["share_before"].round(6)[:6]) == [0.0, 0.40, 0.65, 0.83, 0.83, 0.95]
    assert df["share"][6:].isna().all() and df["cumulative_share"][6:].isna().all()


def test_a_lower_threshold(contract_wh: PublishedWarehouse) -> None:
    classes = _classes(contract_wh, a=0.60)
    assert classes == {
        "I01": "A",
        "I02": "A",
        "I03": "B",
        "I04": "C",
        "I05": "C",
        "I06": "C",
        "I07": "C",
        "I08": "C",
    }
    assert _counts(classes) == {"A": 2, "B": 1, "C": 5}


def test_a_higher_threshold_keeps_the_tie_block_together(
    contract_wh: PublishedWarehouse,
) -> None:
    classes = _classes(contract_wh, a=0.85)
    assert classes["I04"] == classes["I05"] == "A"
    assert classes["I06"] == "B"
    assert _counts(classes) == {"A": 5, "B": 1, "C": 2}


def test_everything_a_still_leaves_zero_and_negative_values_c(
    contract_wh: PublishedWarehouse,
) -> None:
    classes = _classes(contract_wh, a=1.0, b=0.0)
    assert _counts(classes) == {"A": 6, "B": 0, "C": 2}
    assert classes["I07"] == classes["I08"] == "C"


def test_quantity(contract_wh: PublishedWarehouse) -> None:
    assert _classes(contract_wh, measure="quantity") == {
        "I06": "A",
        "I03": "A",
        "I01": "A",
        "I04": "B",
        "I02": "B",
        "I05": "C",
        "I07": "C",
        "I08": "C",
    }


def test_customers(contract_wh: PublishedWarehouse) -> None:
    assert _classes(contract_wh, subject="customers") == {"C1": "A", "C2": "A", "C3": "A"}
    assert _classes(contract_wh, subject="customers", a=0.50) == {
        "C1": "A",
        "C2": "B",
        "C3": "C",
    }


def test_each_division_is_classified_on_its_own(contract_wh: PublishedWarehouse) -> None:
    both = abc.classify(contract_wh, _choice(division_ids=(HOLD, UK)))
    hold = both[both["division_id"] == HOLD]
    assert dict(zip(hold["code"], hold["abc_class"], strict=True)) == _classes(contract_wh)
    uk = both[both["division_id"] == UK]
    # U01 500 and U02 100 of 600: U01 before 0 -> A, U02 before 0.833 -> B.
    assert dict(zip(uk["code"], uk["abc_class"], strict=True)) == {"U01": "A", "U02": "B"}
    assert list(uk["rank"]) == [1, 2]


def test_the_year_to_date_follows_the_period(contract_wh: PublishedWarehouse) -> None:
    # January-March 2025: I01 200, I02 250, I08 -30.
    df = abc.classify(contract_wh, _choice(period=3))
    assert dict(zip(df["code"], df["value"], strict=True)) == {"I02": 250, "I01": 200, "I08": -30}
    # I02 before 0 -> A; I01 before 250/450 = 0.556 -> A; I08 negative -> C.
    assert list(df["abc_class"]) == ["A", "A", "C"]


def test_the_year_is_the_chosen_fiscal_year(contract_wh: PublishedWarehouse) -> None:
    # The defect: the tab showed the same months whatever year the sidebar had.
    df = abc.classify(contract_wh, _choice(fiscal_year=2024))
    assert dict(zip(df["code"], df["value"], strict=True)) == {"I01": 300, "I02": 100, "I08": 30}
    assert list(df["abc_class"]) == ["A", "A", "B"]


def test_twelve_months_through_the_period(contract_wh: PublishedWarehouse) -> None:
    df = abc.classify(contract_wh, _choice(period=3, window="rolling_12m"))
    assert dict(zip(df["code"], df["value"], strict=True)) == {"I02": 350, "I01": 200, "I08": 0}
    assert list(df["abc_class"]) == ["A", "A", "C"]


def test_class_summary(contract_wh: PublishedWarehouse) -> None:
    summary = abc.class_summary(abc.classify(contract_wh, _choice()))
    assert list(summary["count"]) == [3, 2, 3]
    assert list(summary["value"]) == [830, 120, 20]
    assert list(summary["value_share"].round(6)) == [0.83, 0.12, 0.05]


def test_documents_add_up_to_the_value(contract_wh: PublishedWarehouse) -> None:
    docs = abc.documents(contract_wh, _choice(), HOLD, 1)  # I01
    assert list(docs["document_number"]) == ["VF2025-0001", "VF2025-0002"]
    assert float(docs["revenue"].sum()) == 400
    # 12 months through March 2025: I02's June 2024 and February 2025 invoices.
    docs = abc.documents(contract_wh, _choice(period=3, window="rolling_12m"), HOLD, 2)
    assert list(docs["document_number"]) == ["VF2024-0002", "VF2025-0003"]
    assert float(docs["revenue"].sum()) == 350


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("measure", "profit"),
        ("subject", "suppliers"),
        ("window", "forever"),
        ("period", 13),
        ("a", 0.0),
        ("b", 0.5),
    ],
)
def test_bad_choices_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError):
        _choice(**{field: value})
