"""The digest's small charts (suppliers.digest.charts): the scorecard's sparkline with a dot and a <title> a
week, bars with their numbers, gaps for weeks not built, and only escaped text in the markup."""

from datetime import date, timedelta

from suppliers.digest.charts import bars_svg, trend_svg

WEEKS = [date(2026, 10, 19) + timedelta(weeks=i) for i in range(4)]


def test_a_trend_has_a_dot_and_a_title_for_every_built_week():
    svg = trend_svg([2, None, 5, 1], WEEKS, label="Acme: problem cases", unit="problem cases")
    assert svg.count("<circle") == 3
    assert "<title>week of 2026-10-19: 2 problem cases</title>" in svg
    assert "<title>week of 2026-11-02: 5 problem cases</title>" in svg
    assert "2026-10-26: not built" in svg  # the whole chart's title names the gap
    assert 'd="M' in svg and " M" in svg  # the line stops at the gap and starts again


def test_bars_carry_each_weeks_orders_and_problem_cases():
    svg = bars_svg([10, None, 20, 5], [1, None, 4, 0], WEEKS, label="Orders")
    assert svg.count("<g>") == 3
    assert "<title>week of 2026-11-02: 20 orders, 4 problem cases</title>" in svg
    assert 'height="62"' in svg  # the tallest bar fills the box (64 less a margin)


def test_names_in_a_chart_are_escaped():
    svg = trend_svg([1], WEEKS[:1], label='<script>alert("x")</script>')
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_nothing_built_draws_an_empty_chart():
    svg = trend_svg([None, None], WEEKS[:2], label="Idle")
    assert "<path" not in svg and "<circle" not in svg
    assert bars_svg([None], [None], WEEKS[:1], label="Orders").count("<rect") == 0
