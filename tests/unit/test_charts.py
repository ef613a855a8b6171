"""The SVG charts: well-formed, escaped, accessible, and drawn where the numbers say."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from app import charts
from app.charts import Series, Text, Threshold

SVG = "{http://www.w3.org/2000/svg}"
TEXT = Text(title="Response time", desc="Average and slowest check per hour", table_summary="The figures",
            category_heading="Hour", empty="Nothing measured")
HOSTILE = '<script>alert("x")</script> & \'q\' ]]> \x00\x07'


def fmt(value: float) -> str:
    return f"{value:g} ms"


def pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def svg_of(figure: ET.Element) -> ET.Element:
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return svg


def table_rows(figure: ET.Element) -> list[list[str]]:
    return [["".join(cell.itertext()) for cell in row] for row in figure.iter("tr")][1:]


def all_charts(labels: list[str], values: list[float | None], name: str = "avg") -> list[str]:
    return [
        charts.line_chart(TEXT, labels, [Series(name, tuple(values))], fmt, chart_id="c1"),
        charts.bar_chart(TEXT, labels, values, fmt, chart_id="c2", name=name,
                         threshold=Threshold(0.5, "target"), below_name="below"),
        charts.stacked_bar_chart(TEXT, labels, [Series(name, tuple(values)), Series("b", tuple(values))], fmt,
                                 chart_id="c3"),
        charts.stacked_bar_chart(TEXT, labels, [Series(name, tuple(values)), Series("b", tuple(values))], fmt,
                                 chart_id="c4", stacked=False),
    ]


@pytest.mark.parametrize("values", [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-5.0, 0.0, 7.5], [1e12, 3e12, 2e12],
                                    [None, 4.0, None], [-1e9, -2e9, -3e9]])
def test_every_chart_is_well_formed_xml_with_role_title_desc_and_viewbox(values: list[float | None]) -> None:
    for markup in all_charts(["a", "b", "c"], values):
        figure = parse(markup)
        svg = svg_of(figure)
        assert svg.get("role") == "img"
        assert re.fullmatch(r"0 0 \d+ \d+", svg.get("viewBox") or "")
        assert svg.findtext(f"{SVG}title") == "Response time"
        assert svg.findtext(f"{SVG}desc") == "Average and slowest check per hour"
        title_id, desc_id = (svg.get("aria-labelledby") or "").split()
        assert svg.find(f"{SVG}title").get("id") == title_id  # type: ignore[union-attr]
        assert svg.find(f"{SVG}desc").get("id") == desc_id  # type: ignore[union-attr]
        assert figure.find("details/summary").text == "The figures"  # type: ignore[union-attr]


def test_hostile_labels_and_names_are_escaped_everywhere() -> None:
    for markup in all_charts([HOSTILE, "b"], [1.0, 2.0], name=HOSTILE):
        assert "<script>" not in markup
        assert "\x00" not in markup and "\x07" not in markup
        figure = parse(markup)
        texts = " ".join(figure.itertext())
        assert '<script>alert("x")</script>' in texts  # shown as text, not markup
        assert figure.find(".//script") is None
        assert figure.find(f".//{SVG}script") is None


def test_hostile_words_of_the_chart_are_escaped() -> None:
    text = Text(title=HOSTILE, desc=HOSTILE, table_summary=HOSTILE, category_heading=HOSTILE, empty=HOSTILE)
    markup = charts.line_chart(text, [], [Series(HOSTILE, ())], fmt, chart_id='x" onload="alert(1)')
    figure = parse(markup)
    assert svg_of(figure).findtext(f"{SVG}title") == '<script>alert("x")</script> & \'q\' ]]> '
    assert "onload" not in svg_of(figure).attrib
    assert figure.get("id") == "x--onload--alert-1-"


def test_empty_series_says_so_and_has_an_empty_table() -> None:
    for markup in all_charts([], []):
        figure = parse(markup)
        empty = [t for t in svg_of(figure).iter(f"{SVG}text") if t.get("class") == "chart-empty"]
        assert [t.text for t in empty] == ["Nothing measured"]
        assert table_rows(figure) == []


def test_all_values_missing_says_nothing_measured() -> None:
    figure = parse(charts.line_chart(TEXT, ["a", "b"], [Series("avg", (None, None))], fmt, chart_id="c"))
    assert [t.text for t in svg_of(figure).iter(f"{SVG}text") if t.get("class") == "chart-empty"] == \
        ["Nothing measured"]
    assert table_rows(figure) == [["a", "—"], ["b", "—"]]


def test_one_point_is_drawn_as_a_marker_and_listed() -> None:
    figure = parse(charts.line_chart(TEXT, ["10:00"], [Series("avg", (42.0,))], fmt, chart_id="c"))
    svg = svg_of(figure)
    assert svg.findall(f".//{SVG}polyline") == []
    markers = [c for c in svg.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None]
    assert len(markers) == 1
    assert table_rows(figure) == [["10:00", "42 ms"]]


def test_line_breaks_at_a_missing_value() -> None:
    svg = svg_of(parse(charts.line_chart(TEXT, list("abcde"), [Series("avg", (1.0, 2.0, None, 3.0, 4.0))], fmt,
                                         chart_id="c")))
    assert len(svg.findall(f".//{SVG}polyline")) == 2


def test_threshold_line_is_at_the_value_on_the_axis() -> None:
    labels = ["Jan", "Feb", "Mar"]
    figure = parse(charts.bar_chart(TEXT, labels, [0.99, 0.97, 1.0], pct, chart_id="c", name="availability",
                                    threshold=Threshold(0.98, "target"), y_min=0.9, y_max=1.0, below_name="below"))
    svg = svg_of(figure)
    ticks = {t.text: float(t.get("y") or 0) - 4 for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-tick"}
    assert "90.0 %" in ticks and "100.0 %" in ticks
    low, high = ticks["90.0 %"], ticks["100.0 %"]
    group = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-threshold")
    line = group.find(f"{SVG}line")
    assert line is not None
    expected = low + (high - low) * (0.98 - 0.9) / (1.0 - 0.9)
    assert float(line.get("y1") or 0) == pytest.approx(expected, abs=0.05)
    assert line.get("y1") == line.get("y2")
    assert group.findtext(f"{SVG}text") == "target 98.0 %"


def test_bar_below_the_threshold_gets_another_pattern_and_top_at_its_value() -> None:
    svg = svg_of(parse(charts.bar_chart(TEXT, ["Jan", "Feb"], [0.99, 0.95], pct, chart_id="c", name="availability",
                                        threshold=Threshold(0.98, "target"), y_min=0.9, below_name="below")))
    bars = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]
    assert [b.get("fill") for b in bars] == ["url(#c-p0)", "url(#c-p1)"]
    assert [b.findtext(f"{SVG}title") for b in bars] == ["Jan: 99.0 %", "Feb: 95.0 %"]
    bottom = float(bars[0].get("y") or 0) + float(bars[0].get("height") or 0)
    assert float(bars[1].get("y") or 0) + float(bars[1].get("height") or 0) == pytest.approx(bottom)
    assert float(bars[0].get("y") or 0) < float(bars[1].get("y") or 0)  # the taller bar reaches higher
    legend = [t.text for g in svg.iter(f"{SVG}g") if g.get("class") == "chart-legend" for t in g.iter(f"{SVG}text")]
    assert legend == ["availability", "below", "target"]


def test_negative_bars_hang_below_the_zero_line() -> None:
    svg = svg_of(parse(charts.bar_chart(TEXT, ["a", "b"], [-4.0, 6.0], fmt, chart_id="c", name="delta")))
    axis = next(x for x in svg.iter(f"{SVG}line") if x.get("class") == "chart-axis")
    zero = float(axis.get("y1") or 0)
    negative, positive = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart-bar"]
    assert float(negative.get("y") or 0) == pytest.approx(zero)
    assert float(positive.get("y") or 0) + float(positive.get("height") or 0) == pytest.approx(zero)


def test_stacked_bars_sum_per_label_and_table_lists_each_series() -> None:
    figure = parse(charts.stacked_bar_chart(TEXT, ["Jan", "Feb"], [Series("new", (3.0, 0.0)),
                                                                   Series("sent", (1.0, 2.0))],
                                            lambda v: f"{v:g}", chart_id="c"))
    bars = [r for r in svg_of(figure).iter(f"{SVG}rect") if r.get("class") == "chart-bar"]
    assert [b.findtext(f"{SVG}title") for b in bars] == ["Jan, new: 3", "Jan, sent: 1", "Feb, sent: 2"]
    first, second = bars[0], bars[1]
    assert float(second.get("y") or 0) + float(second.get("height") or 0) == pytest.approx(float(first.get("y") or 0))
    assert table_rows(figure) == [["Jan", "3", "1"], ["Feb", "0", "2"]]


def test_huge_values_get_round_ticks_and_stay_inside_the_plot() -> None:
    svg = svg_of(parse(charts.line_chart(TEXT, ["a", "b"], [Series("avg", (1e15, 3e15))], lambda v: f"{v:.0e}",
                                         chart_id="c")))
    height = float((svg.get("viewBox") or "").split()[3])
    for circle in svg.iter(f"{SVG}circle"):
        assert 0 <= float(circle.get("cy") or -1) <= height
    assert len([t for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-tick"]) <= charts.MAX_TICKS + 1


def test_many_labels_are_thinned_and_turned_for_a_narrow_screen() -> None:
    labels = [f"Monday {h:02d}:00" for h in range(168)]
    svg = svg_of(parse(charts.line_chart(TEXT, labels, [Series("avg", tuple(float(h) for h in range(168)))], fmt,
                                         chart_id="c")))
    shown = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-label"]
    assert 2 <= len(shown) <= 12
    assert all("rotate" in (t.get("transform") or "") for t in shown)
    markers = [c for c in svg.iter(f"{SVG}circle") if c.find(f"{SVG}title") is not None]
    assert markers == []  # too many points for markers: the line alone


def test_series_shorter_than_the_labels_is_padded_with_missing_values() -> None:
    figure = parse(charts.stacked_bar_chart(TEXT, ["a", "b", "c"], [Series("x", (1.0,))], fmt, chart_id="c",
                                            stacked=False))
    assert table_rows(figure) == [["a", "1 ms"], ["b", "—"], ["c", "—"]]


def test_patterns_have_ids_of_their_own_chart() -> None:
    one = charts.stacked_bar_chart(TEXT, ["a"], [Series("x", (1.0,))], fmt, chart_id="first")
    two = charts.stacked_bar_chart(TEXT, ["a"], [Series("x", (1.0,))], fmt, chart_id="second")
    ids = re.findall(r'id="([^"]+)"', one + two)
    assert len(ids) == len(set(ids))


def _ticks(markup: str) -> list[str]:
    svg = svg_of(parse(markup))
    return [t.text or "" for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-tick"]


def test_counts_get_whole_ticks_even_when_small_or_empty() -> None:
    count = lambda v: f"{v:g}"  # noqa: E731
    assert _ticks(charts.stacked_bar_chart(TEXT, ["a", "b"], [Series("x", (1.0, 0.0))], count, chart_id="c")) == \
        ["0", "1"]
    assert _ticks(charts.stacked_bar_chart(TEXT, ["a"], [Series("x", (0.0,))], count, chart_id="c")) == ["0", "1"]
    assert _ticks(charts.stacked_bar_chart(TEXT, ["a", "b"], [Series("x", (3.0, 7.0))], count, chart_id="c")) == \
        ["0", "2", "4", "6", "8"]


def test_the_axis_stops_at_the_ceiling_given() -> None:
    ticks = _ticks(charts.bar_chart(TEXT, ["a", "b"], [0.985, 1.0], pct, chart_id="c", name="availability",
                                    threshold=Threshold(0.98, "target"), y_min=0.95, y_max=1.0))
    assert ticks[-1] == "100.0 %"
    assert all(float(t.rstrip(" %")) <= 100 for t in ticks)
