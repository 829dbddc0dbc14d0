"""The Online Retail recomputation on hand-made files whose answers were worked out by hand.

tests/e2e/online_retail_expected.py is the yardstick the warehouse is compared with on real data,
so it is itself checked here: three daily files covering each rule, a quoted line break, a
cancellation, a counter sale, fees, a customer who only cancels and a partial as-of month. The
sums in the comments are the hand computation.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.e2e import online_retail_expected as ore

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
SLICE = Path(__file__).resolve().parents[1] / "data" / "online_retail"

JANUARY = (
    '100001,85123A,"HEART, WHITE ",6,2011-01-15 08:26:00,2.55,17850.0,United Kingdom\n'  # 15.30
    "100001,POST,POSTAGE,1,2011-01-15 08:26:00,18.00,17850.0,United Kingdom\n"  # fee
    '100002,22423,"CAKESTAND\n""REGENCY""",2,2011-01-15 09:00:00,12.75,12583.0,France\n'  # 25.50
    "100003,22423,CAKESTAND,3,2011-01-15 10:00:00,10.00,,United Kingdom\n"  # counter sale
    "100004,22086,PAPER CHAIN,5,2011-01-15 11:00:00,0,13047.0,United Kingdom\n"  # zero price
)
FEBRUARY = (
    "C100005,85123A,HEART,-2,2011-02-20 08:00:00,2.55,17850.0,United Kingdom\n"  # -5.10
    "100006,22423,CAKESTAND,1,2011-02-20 09:00:00,12.75,13047.0,United Kingdom\n"  # 12.75
    "100007,21730,GLASS STAR,4,2011-02-20 09:30:00,4.25,,United Kingdom\n"  # counter sale
    "100008,21730,GLASS STAR,4x,2011-02-20 09:30:00,4.25,13047.0,United Kingdom\n"
    "100009,21730,GLASS STAR,-4,2011-02-20 09:40:00,4.25,13047.0,United Kingdom\n"
    "100010,21730,GLASS STAR,1,2011-02-31 09:40:00,4.25,13047.0,United Kingdom\n"
    "C100011,22423,CAKESTAND,-1,2011-02-20 10:00:00,10.00,16000.0,United Kingdom\n"  # -10.00
    "100012,22423,CAKESTAND,1,2011-02-20 10:00:00,10.00,ABC,United Kingdom\n"
    "100013,22423,CAKESTAND,1,2011-02-20 10:00:00,10.00,12583.0,France,EXTRA\n"
    "\n"
)
MARCH = (
    "100014,22423,CAKESTAND,2,2011-03-05 10:00:00,12.75,12583.0,France\n"  # 25.50
    "100015,M,Manual,1,2011-03-05 11:00:00,100.00,17850.0,United Kingdom\n"  # adjustment
    "100016,B,Adjust bad debt,1,2011-03-05 12:00:00,-50.00,,United Kingdom\n"  # counter sale
    "100017,22423,CAKESTAND,1,2011-03-05 12:00:00,12.75,14000,United Kingdom\n"  # 12.75
)


def write_day(folder: Path, day: str, body: str, header: str = HEADER) -> Path:
    path = folder / f"invoice_lines_{day}.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.fixture
def hand_made(tmp_path: Path) -> ore.Expected:
    paths = [
        write_day(tmp_path, "2011-01-15", JANUARY),
        write_day(tmp_path, "2011-02-20", FEBRUARY),
        write_day(tmp_path, "2011-03-05", MARCH),
    ]
    return ore.expected(paths)


def test_every_line_is_counted_once_as_valid_invalid_or_excluded(hand_made: ore.Expected) -> None:
    assert hand_made.lines_per_file == {
        "invoice_lines_2011-01-15.csv": 5,
        "invoice_lines_2011-02-20.csv": 9,  # the blank line is no record
        "invoice_lines_2011-03-05.csv": 4,
    }
    assert hand_made.total_lines == 18
    assert hand_made.excluded_lines == 3  # 100003, 100007, 100016: no customer
    assert hand_made.invalid_lines == 5
    assert hand_made.valid_lines == 10  # the zero-price line of 13047 included
    assert hand_made.valid_lines + hand_made.invalid_lines + hand_made.excluded_lines == 18
    assert hand_made.merchandise_lines == 8
    assert hand_made.non_merchandise_lines == 2  # POST, M


def test_invalid_lines_name_file_line_and_rule(hand_made: ore.Expected) -> None:
    # The quoted line break in 100002 puts every later January record one line further down.
    assert hand_made.invalid.to_dict("records") == [
        {"file": "invoice_lines_2011-02-20.csv", "line": 5, "rule": "quantity_not_integer"},
        {"file": "invoice_lines_2011-02-20.csv", "line": 6, "rule": "sign_mismatch"},
        {"file": "invoice_lines_2011-02-20.csv", "line": 7, "rule": "date_not_parsed"},
        {"file": "invoice_lines_2011-02-20.csv", "line": 9, "rule": "customer_id_malformed"},
        {"file": "invoice_lines_2011-02-20.csv", "line": 10, "rule": "field_count"},
    ]
    assert {rule: n for rule, n in hand_made.invalid_by_rule.items() if n} == {
        "quantity_not_integer": 1,
        "sign_mismatch": 1,
        "date_not_parsed": 1,
        "customer_id_malformed": 1,
        "field_count": 1,
    }
    # The zero price (a free line) is valid; the bad-debt line without a customer is excluded,
    # yet it breaks the price rule.
    assert hand_made.rule_counts_all_lines["price_negative"] == 1


def test_net_revenue_per_customer_whole_history(hand_made: ore.Expected) -> None:
    revenue = hand_made.revenue_by_customer["whole_history"]
    assert revenue.to_dict() == {
        "12583": Decimal("51.00"),  # 25.50 + 25.50
        "13047": Decimal("12.75"),  # its other lines are invalid
        "14000": Decimal("12.75"),  # written without '.0'
        "16000": Decimal("-10.00"),  # only a cancellation
        "17850": Decimal("10.20"),  # 15.30 - 5.10; postage and manual lines left out
    }
    assert hand_made.net_revenue("whole_history") == Decimal("76.70")


def test_periods_end_with_the_last_complete_month(hand_made: ore.Expected) -> None:
    assert hand_made.as_of_date == pd.Timestamp("2011-03-05")
    assert hand_made.last_complete_month == pd.Period("2011-02", freq="M")
    assert hand_made.period_bounds["trailing_12_months"] == (
        pd.Timestamp("2010-03-01"),
        pd.Timestamp("2011-02-28"),
    )
    assert hand_made.period_bounds["whole_history"] == (
        pd.Timestamp("2011-01-15"),
        pd.Timestamp("2011-03-05"),
    )
    # March is partial: the trailing 12 months hold January and February only.
    assert hand_made.net_revenue("trailing_12_months") == Decimal("38.45")


def test_top_20_percent_share_over_customers_with_revenue(hand_made: ore.Expected) -> None:
    whole = hand_made.concentration["whole_history"]
    assert whole.customers_with_revenue == 4  # 16000 is at -10.00
    assert whole.non_positive_customers == 1
    assert whole.top_customer_ids == ("12583",)  # ceil(0.2 x 4) = 1
    assert whole.revenue == Decimal("86.70")  # 51.00 + 12.75 + 12.75 + 10.20
    assert whole.top_share == pytest.approx(51.00 / 86.70, abs=1e-12)

    trailing = hand_made.concentration["trailing_12_months"]
    assert trailing.customers_with_revenue == 3  # 14000 bought in March only
    assert trailing.top_customer_ids == ("12583",)
    assert trailing.top_share == pytest.approx(25.50 / 48.45, abs=1e-12)


def test_monthly_active_customers(hand_made: ore.Expected) -> None:
    monthly = hand_made.monthly
    assert monthly["month"].astype(str).tolist() == ["2011-01", "2011-02", "2011-03"]
    # February: 17850 at -5.10 and 16000 at -10.00 are not active; 13047 at 12.75 is.
    assert monthly["active_customers"].tolist() == [2, 1, 2]
    assert monthly["net_revenue"].tolist() == [
        Decimal("40.80"),
        Decimal("-2.35"),
        Decimal("38.25"),
    ]
    assert monthly["is_complete"].tolist() == [True, True, False]


def test_ties_are_ranked_by_customer_id() -> None:
    revenue = pd.Series(
        {"20": Decimal(10), "10": Decimal(10), "30": Decimal(5), "40": Decimal(3), "50": Decimal(2)}
    )
    result = ore.concentration(revenue)
    assert result.top_customer_ids == ("10",)  # ceil(0.2 x 5) = 1; 10 and 20 tie
    assert result.top_share == pytest.approx(10 / 30)
    six = ore.concentration(pd.concat([revenue, pd.Series({"60": Decimal(1)})]))
    assert six.top_customer_ids == ("10", "20")  # ceil(0.2 x 6) = 2


def test_a_month_ending_on_its_last_day_is_complete(tmp_path: Path) -> None:
    path = write_day(
        tmp_path, "2011-02-28", "100001,22423,CAKESTAND,1,2011-02-28 10:00:00,1.5,12583.0,France\n"
    )
    empty = write_day(tmp_path, "2011-02-27", "")  # a day with no sales: header only
    result = ore.expected([path, empty])
    assert result.lines_per_file == {
        "invoice_lines_2011-02-27.csv": 0,
        "invoice_lines_2011-02-28.csv": 1,
    }
    assert result.last_complete_month == pd.Period("2011-02", freq="M")
    assert result.monthly["is_complete"].tolist() == [True]


def test_the_declared_date_format_is_used(tmp_path: Path) -> None:
    path = write_day(
        tmp_path, "2010-12-01", "536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom\n"
    )
    result = ore.expected([path], date_format="%m/%d/%Y %H:%M")
    assert result.as_of_date == pd.Timestamp("2010-12-01")
    assert result.net_revenue("whole_history") == Decimal("15.30")
    with pytest.raises(ValueError, match="no valid invoice line"):
        ore.expected([path])  # the ISO default does not read it


def test_a_missing_column_names_the_file(tmp_path: Path) -> None:
    path = write_day(tmp_path, "2011-01-15", JANUARY, header=HEADER.replace(",UnitPrice", ""))
    with pytest.raises(ValueError, match=r"invoice_lines_2011-01-15\.csv:1: .*missing UnitPrice"):
        ore.expected([path])


# --------------------------------------------------------------------------------------------
# The committed slice (tests/data/online_retail/README.md lists these figures)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sliced() -> ore.Expected:
    return ore.expected(sorted((SLICE / "invoice_lines").glob("invoice_lines_*.csv")))


def test_slice_figures_match_its_readme(sliced: ore.Expected) -> None:
    assert len(sliced.lines_per_file) == 107
    assert sliced.total_lines == 9909
    assert (sliced.valid_lines, sliced.invalid_lines, sliced.excluded_lines) == (7223, 0, 2686)
    assert not any(sliced.invalid_by_rule.values())
    assert sliced.as_of_date == pd.Timestamp("2011-10-09")
    assert sliced.net_revenue("whole_history") == Decimal("166370.50")
    assert sliced.net_revenue("trailing_12_months") == Decimal("154216.87")
    whole = sliced.concentration["whole_history"]
    trailing = sliced.concentration["trailing_12_months"]
    assert (whole.customers_with_revenue, whole.top_customers) == (150, 30)
    assert round(whole.top_share, 4) == 0.6719
    assert (trailing.customers_with_revenue, trailing.top_customers) == (142, 29)
    assert round(trailing.top_share, 4) == 0.6882
    assert sliced.monthly["active_customers"].tolist() == [64, 53, 41, 79, 26]


def test_slice_customer_list_has_one_row_per_customer_in_its_lines() -> None:
    with (SLICE / "customers.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    listed = [row["CustomerID"] for row in rows]
    lines = ore.read_lines((SLICE / "invoice_lines").glob("invoice_lines_*.csv"))
    in_lines = set(lines.loc[lines["CustomerID"] != "", "CustomerID"])
    assert len(listed) == len(set(listed)) == 153
    assert set(listed) == in_lines
    assert all(row["Country"] for row in rows)
