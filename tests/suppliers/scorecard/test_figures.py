"""The scorecard's figure declarations: the table, the sorts and the CSV follow from them.

Every figure the rollups build is declared, every declared figure is in the table, the sorts and the CSV
(and nothing else is), a page ranks each column as the whole figures sort it, and a duration is never
shown negative."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from suppliers.scorecard import rollups
from suppliers.scorecard.cells import Cell
from suppliers.scorecard.exports import DURATIONS_WEEK, LEAD
from suppliers.scorecard.figures import COLUMN, COLUMNS, FIGURES, Count, Duration
from suppliers.scorecard.rows import SORTS, Row, fold
from suppliers.scorecard.trends import TRENDS
from tests.helpers.known_week import EXPECTED, WEEK
from tests.helpers.otp import verified_login
from tests.helpers.scorecard import CSV, EVERY_COLUMN, ONE_WEEK, page

DECLARED_COLUMNS = [column.name for figure in FIGURES for column in figure.columns]
DECLARED_CSV = [name for figure in FIGURES for name in figure.csv_header()]


def test_every_figure_the_rollups_build_is_declared():
    (idle,) = rollups.build(suppliers={1: "Idle"}, products={}, case_cells=[])
    folded, _ = fold({WEEK: idle.figures})
    assert folded.keys() == idle.figures.keys()
    assert folded == idle.figures


@pytest.mark.django_db
def test_every_declared_figure_is_in_the_table_the_sorts_and_the_csv(client, built, owner):
    verified_login(client, owner)  # an owner sees every figure, disputes' outcomes included
    response = page(client, **EVERY_COLUMN, **ONE_WEEK)
    html = response.content.decode()
    sortable = re.findall(r'data-sort="([^"]+)"', html)
    csv_header = next(csv.reader(io.StringIO(client.get(reverse(CSV), ONE_WEEK).content.decode())))
    for figure in FIGURES:
        for column in figure.columns:
            assert column.name in sortable, column.name
            assert f'<td class="figure-{column.name}"' in html, column.name
            assert column.name in SORTS, column.name
            card = page(client, o=f"-{column.name}", **ONE_WEEK).context["card"]
            assert card.order == f"-{column.name}", column.name
        for name in figure.csv_header():
            assert name in csv_header, name
    # Nothing else: the table's columns, the sorts and the CSV's figure columns are the declarations'.
    assert sortable == ["key", *DECLARED_COLUMNS]
    assert list(SORTS) == ["key", *DECLARED_COLUMNS]
    assert [name for name in csv_header if name not in (*LEAD, DURATIONS_WEEK, "notes")] == DECLARED_CSV


def _summed(weeks: list[dict], path: str) -> int:
    """What the ranking query sums over the weeks: the number at `path` in each week's figures."""
    total = 0
    for figures in weeks:
        value = figures
        for part in path.split("__"):
            value = (value or {}).get(part)
        total += value or 0
    return total


@pytest.mark.parametrize("column", COLUMNS, ids=lambda column: column.name)
def test_a_column_ranks_as_its_whole_figures_sort(column):
    """The known week's nine rows taken as nine weeks of one row: the value the ranking pass sorts on
    (sums, or the latest week's median) is the value the folded figures sort on."""
    weeks = {WEEK - timedelta(weeks=i): figures for i, figures in enumerate(EXPECTED.values())}
    folded, latest = fold(weeks)
    figure = column.figure
    if isinstance(figure, Duration):
        picked = {figure.key: weeks[latest][figure.key]["median"]}
    else:
        sums = figure.sums(column.kind)
        picked = {name: _summed(list(weeks.values()), path) for name, path in sums.items()}
    assert column.sort(figure.ranked(picked, column.kind)) == column.sort(folded)


def test_a_new_count_is_one_declaration():
    figure = Count(
        "parcels_lost", column="lost", label="Lost parcels", condition={"case_type__exact": "lost_in_transit"}
    )
    (column,) = figure.columns
    folded = figure.fold([{"parcels_lost": 2}, {}, {"parcels_lost": 3}], None)
    assert folded == {"parcels_lost": 5}
    assert (column.name, column.label, column.sort(folded)) == ("lost", "Lost parcels", 5)
    assert figure.sums() == {"parcels_lost": "parcels_lost"}
    assert figure.csv_header() == ["parcels_lost"] and figure.csv_values(folded) == [5]
    assert figure.lookups == {"case_type__exact"}
    assert column.cell(folded, None, None) == Cell("5")


# ---------------------------------------------------------------------------------------------------
# Durations: never negative.


def scorecard_row(figure: dict) -> Row:
    figures = {"order_to_first_scan_days": figure}
    return Row(
        dimension="country", key="US", supplier_id=None, product_id=None, figures=figures, latest_week=WEEK
    )


def duration_cell(row: Row) -> Cell:
    return COLUMN["order_to_scan"].cell(row.figures, row.links, row.latest_week)


def test_the_scorecard_cell_says_what_was_left_out():
    cell = duration_cell(scorecard_row({"count": 2, "median": 1.5, "p90": 2.0, "left_out": 1}))
    assert cell.text == "1.5"
    assert "1 left out: first scan before the order" in cell.detail
    assert "1 left out" in cell.title


def test_a_negative_duration_stored_by_an_older_build_is_never_shown():
    old = scorecard_row({"count": 2, "median": -3.25, "p90": -0.5})
    cell = duration_cell(old)
    assert cell.text == "—" and "-" not in cell.detail
    assert SORTS["order_to_scan"](old) is None
    _label, value_of = TRENDS["order_to_first_scan"]
    assert value_of(old.figures) is None
