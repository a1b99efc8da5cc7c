"""Trend sparklines: a path scaled into the box that breaks at gaps, and inline SVG with an escaped title,
each value's number one hover away."""

import re

import pytest

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


def test_each_value_has_a_hover_strip_titled_with_its_label_and_the_latest_value_a_dot():
    markup = sparklines.svg([1, None, 3], title="orders", labels=["week 1: 1", "week 2: —", "week <3>: 3"])
    strip = r'<rect class="week" x="([\d.]+)" y="0" width="([\d.]+)"[^>]*><title>([^<]*)</title>'
    strips = re.findall(strip, markup)
    assert [title for *_, title in strips] == ["week 1: 1", "week 2: —", "week &lt;3&gt;: 3"]
    # The strips split the chart at the midpoints between values and cover it edge to edge.
    assert [(float(x), float(w)) for x, w, _ in strips] == [(0.0, 25.0), (25.0, 46.0), (71.0, 25.0)]
    assert sparklines.strips(1) == [(0.0, 96.0)] and sparklines.strips(0) == []
    # The first value is a lone point and the last the latest: one dot each.
    assert markup.count("<circle") == 2
    with pytest.raises(ValueError, match="one label per value"):
        sparklines.svg([1, 2], labels=["only one"])
