"""Trend sparklines: a path scaled into the box that breaks at gaps, and inline SVG with an escaped title."""

from suppliers.scorecard import sparklines


def test_a_sparkline_path_scales_into_the_box_and_breaks_at_gaps():
    assert sparklines.path([0, 10], width=100, height=20, pad=0) == "M0 20 L100 0"
    assert sparklines.path([1, None, 3, 2], width=30, height=10, pad=0) == "M0 10 M20 0 L30 5"
    assert sparklines.path([5, 5, 5], width=20, height=10, pad=0) == "M0 5 L10 5 L20 5"
    assert sparklines.path([None, None]) == ""
    assert sparklines.path([]) == ""
    assert sparklines.lone_points([1, None, 3, 2], width=30, height=10, pad=0) == [(0.0, 10.0)]


def test_a_sparkline_is_inline_svg_with_an_escaped_title_and_no_script():
    markup = sparklines.svg([1, 2, 3], title='<script>alert("x")</script>')
    assert markup.startswith("<svg") and markup.endswith("</svg>")
    assert "<script" not in markup and "&lt;script&gt;" in markup
    assert 'd="M2 20 L48 11 L94 2"' in markup
