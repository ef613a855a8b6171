"""Server-side SVG charts: a line chart, bars against a threshold, grouped or stacked bars.

Pure: the standard library only. The caller brings every word already translated (``Text``, the
labels, the series' names) and a formatter for the numbers (``fmt``: the user's locale, a unit);
the module brings the picture. Each chart comes as one ``<figure>``: an ``<svg role="img">`` with a
``<title>`` and a ``<desc>``, a ``viewBox`` so it scales to the width it is given (CSS:
``app/static/charts.css``), a legend, and a ``<details>`` holding the same numbers as a table for
screen readers, for print and for whoever would rather read.

Readable in print and in greyscale: series differ by pattern (hatching, dots) or by dash and marker,
never by colour alone; the threshold is a dashed dark line with its own label. Readable at 390 px:
the drawing is narrow (``WIDTH``), the x labels are thinned and turned when they would collide, and
the value axis has at most five ticks.

Every text is escaped (``xml.sax.saxutils``) and stripped of characters XML cannot hold, so the
markup is well-formed XML whatever the labels say and is safe to embed in a page as it is.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

__all__ = ["Formatter", "Series", "Text", "Threshold", "bar_chart", "line_chart", "stacked_bar_chart"]

Formatter = Callable[[float], str]

#: The drawing's own coordinates; the page scales it to the width of its column.
WIDTH = 400
PLOT_HEIGHT = 180
LEFT, RIGHT = 56, 12
FONT = 12
#: Rough width of one character at ``FONT`` (labels are measured, not rendered, on the server).
CHAR = 6.6
MAX_TICKS = 5
MISSING = "—"
#: Fills that stay apart in greyscale and in print: a shade and a pattern each.
PATTERNS = ("solid", "hatch", "dots", "cross", "hlines", "vlines", "rhatch", "grid", "light", "dense", "check",
            "rings")
#: Line series: a dash pattern and a marker each.
DASHES = ("", "6 3", "2 3", "8 3 2 3", "12 3")
MARKERS = ("circle", "square", "diamond", "triangle", "cross")
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ID = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Text:
    """The words of a chart, already in the reader's language."""

    title: str
    desc: str
    #: The ``<summary>`` of the table of figures ("The figures").
    table_summary: str
    #: The heading of the table's first column ("Month", "Hour").
    category_heading: str
    #: Said inside the drawing when there is nothing to draw.
    empty: str = ""


@dataclass(frozen=True)
class Series:
    """One named row of values, one per label; None where there is no value."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Threshold:
    """A horizontal line at ``value`` (a target), named in the legend and the table."""

    value: float
    label: str


# -- the three charts ------------------------------------------------------------------------------


def line_chart(text: Text, labels: Sequence[str], series: Sequence[Series], fmt: Formatter, *,
               chart_id: str, threshold: Threshold | None = None, y_min: float | None = 0.0) -> str:
    """Draw series over time as lines (a gap where a value is missing), markers when the points are few."""
    series = _fit(labels, series)
    values = [v for s in series for v in s.values if v is not None]
    scale = _Scale.of(values + ([threshold.value] if threshold else []), floor=y_min)
    frame = _Frame(chart_id, labels, _legend_entries(series, "line", threshold))
    body = [frame.axes(scale, fmt)]
    for index, one in enumerate(series):
        body.append(_line(frame, scale, one, index))
    if threshold is not None:
        body.append(_threshold(frame, scale, threshold, fmt))
    if not values:
        body.append(frame.empty(text.empty))
    return _figure(text, frame, body, _table(text, labels, series, fmt, threshold))


def bar_chart(text: Text, labels: Sequence[str], values: Sequence[float | None], fmt: Formatter, *,
              chart_id: str, name: str, threshold: Threshold | None = None,
              y_min: float | None = 0.0, y_max: float | None = None, below_name: str = "") -> str:
    """Draw one bar per label; with a threshold, the line across and the bars below it hatched apart."""
    one = _fit(labels, [Series(name, tuple(values))])[0]
    known = [v for v in one.values if v is not None]
    scale = _Scale.of(known + ([threshold.value] if threshold else []), floor=y_min, ceiling=y_max)
    below = threshold is not None and bool(below_name) and any(v < threshold.value for v in known)
    entries = [_Entry(name, "bar", 0)] + ([_Entry(below_name, "bar", 1)] if below else [])
    frame = _Frame(chart_id, labels, entries + _threshold_entry(threshold))
    body = [frame.axes(scale, fmt)]
    slot = frame.slot
    width = slot * 0.64
    for i, value in enumerate(one.values):
        if value is None:
            continue
        low = threshold is not None and below and value < threshold.value
        x = frame.x(i) - width / 2
        body.append(_bar(frame, scale, x, width, 0.0, value, 1 if low else 0, f"{labels[i]}: {fmt(value)}"))
    if threshold is not None:
        body.append(_threshold(frame, scale, threshold, fmt))
    if not known:
        body.append(frame.empty(text.empty))
    return _figure(text, frame, body, _table(text, labels, [one], fmt, threshold))


def stacked_bar_chart(text: Text, labels: Sequence[str], series: Sequence[Series], fmt: Formatter, *,
                      chart_id: str, stacked: bool = True) -> str:
    """Draw the series per label, stacked in one bar (parts of a whole) or side by side (``stacked=False``)."""
    series = _fit(labels, series)
    if stacked:
        tops = [sum(max(v or 0.0, 0.0) for v in column) for column in zip(*(s.values for s in series), strict=True)]
        bottoms = [sum(min(v or 0.0, 0.0) for v in column) for column in zip(*(s.values for s in series), strict=True)]
        scale = _Scale.of(tops + bottoms, floor=0.0)
    else:
        scale = _Scale.of([v for s in series for v in s.values if v is not None], floor=0.0)
    frame = _Frame(chart_id, labels, _legend_entries(series, "bar", None))
    body = [frame.axes(scale, fmt)]
    body.extend(_stacks(frame, scale, labels, series, fmt) if stacked else _groups(frame, scale, labels, series, fmt))
    if not any(v for s in series for v in s.values):
        body.append(frame.empty(text.empty))
    return _figure(text, frame, body, _table(text, labels, series, fmt, None))


# -- scale and frame -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scale:
    """The value axis: from ``low`` to ``high`` with round ticks."""

    low: float
    high: float
    ticks: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float], floor: float | None, ceiling: float | None = None) -> _Scale:
        """Cover ``values``; from ``floor`` and up to ``ceiling`` exactly when given (unless a value lies beyond)."""
        finite = [v for v in values if math.isfinite(v)]
        low = min([*finite, *([floor] if floor is not None else [])], default=0.0)
        high = max([*finite, *([floor] if floor is not None else []), *([ceiling] if ceiling is not None else [])],
                   default=1.0)
        if high == low:
            high = low + (abs(low) or 1.0)
        whole = all(float(v).is_integer() for v in finite)
        step = _nice_step((high - low) / (MAX_TICKS - 1), whole=whole)
        start = low if floor is not None and low == floor else math.floor(low / step) * step
        stop = high if ceiling is not None and high == ceiling else math.ceil(high / step) * step
        first = math.ceil(start / step - 1e-9)
        ticks = []
        k = first
        while k * step <= stop + step * 1e-9:
            ticks.append(round(k * step, 12))
            k += 1
        return cls(start, stop, tuple(ticks))

    def y(self, value: float) -> float:
        """The drawing's y of ``value`` (the plot's top is 0, its bottom ``PLOT_HEIGHT``)."""
        span = self.high - self.low
        clipped = min(max(value, self.low), self.high)
        return round(PLOT_HEIGHT * (self.high - clipped) / span, 2)


def _nice_step(raw: float, *, whole: bool = False) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least ``raw``; for counts (``whole``) a whole number, never 2.5."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    factors = (1.0, 2.0, 5.0, 10.0) if whole else (1.0, 2.0, 2.5, 5.0, 10.0)
    step = next(f * power for f in factors if raw <= f * power * (1 + 1e-9))
    return max(step, 1.0) if whole else step


@dataclass(frozen=True)
class _Entry:
    """One legend entry: a name and how it is drawn ("bar" with a pattern, "line" with a dash, "threshold")."""

    name: str
    kind: str
    index: int


class _Frame:
    """The drawing's geometry: legend rows on top, the plot, the x labels below."""

    def __init__(self, chart_id: str, labels: Sequence[str], entries: list[_Entry]) -> None:
        self.id = _ID.sub("-", chart_id) or "chart"
        self.labels = [_clean(label) for label in labels]
        self.entries = entries
        self.legend_rows = _legend_layout(entries)
        self.top = 8 + 20 * len(self.legend_rows) + 8
        self.plot_width = WIDTH - LEFT - RIGHT
        self.slot = self.plot_width / max(len(self.labels), 1)
        longest = max((len(label) for label in self.labels), default=0)
        self.every = _label_step(len(self.labels), self.plot_width, longest)
        self.turned = longest * CHAR > self.slot * self.every * 0.95
        self.bottom_room = (min(longest, 14) * CHAR * 0.72 + 18) if self.turned else 24
        self.height = round(self.top + PLOT_HEIGHT + self.bottom_room + 4)

    def x(self, index: int) -> float:
        """The middle of the ``index``-th label's slot."""
        return round(LEFT + self.slot * (index + 0.5), 2)

    def y(self, scale: _Scale, value: float) -> float:
        return round(self.top + scale.y(value), 2)

    def axes(self, scale: _Scale, fmt: Formatter) -> str:
        """The legend, the value axis with its grid, and the thinned (maybe turned) category labels."""
        parts = [self.legend()]
        for tick in scale.ticks:
            y = self.y(scale, tick)
            parts.append(f'<line class="chart-grid" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}"'
                         ' stroke="#cbd5e1" stroke-width="1"/>')
            parts.append(f'<text class="chart-tick" x="{LEFT - 6}" y="{y + 4}" text-anchor="end"'
                         f' font-size="{FONT - 1}">{_esc(fmt(tick))}</text>')
        base = self.y(scale, min(max(0.0, scale.low), scale.high))
        parts.append(f'<line class="chart-axis" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}"'
                     ' stroke="#334155" stroke-width="1"/>')
        label_y = self.top + PLOT_HEIGHT + 16
        for i, label in enumerate(self.labels):
            if i % self.every:
                continue
            x = self.x(i)
            if self.turned:
                parts.append(f'<text class="chart-label" x="{x}" y="{label_y - 4}" text-anchor="end"'
                             f' font-size="{FONT - 1}" transform="rotate(-40 {x} {label_y - 4})">'
                             f'{_esc(_short(label))}</text>')
            else:
                parts.append(f'<text class="chart-label" x="{x}" y="{label_y}" text-anchor="middle"'
                             f' font-size="{FONT - 1}">{_esc(label)}</text>')
        return "".join(parts)

    def legend(self) -> str:
        """The legend: a swatch of each series' pattern or dash beside its name, in rows that fit."""
        parts = ['<g class="chart-legend">']
        for row, items in enumerate(self.legend_rows):
            y = 8 + 20 * row
            for x, entry in items:
                parts.append(_swatch(self.id, entry, x, y))
                parts.append(f'<text x="{x + 22}" y="{y + 11}" font-size="{FONT}">{_esc(entry.name)}</text>')
        parts.append("</g>")
        return "".join(parts)

    def empty(self, message: str) -> str:
        y = self.top + PLOT_HEIGHT / 2
        return (f'<text class="chart-empty" x="{LEFT + self.plot_width / 2}" y="{y}" text-anchor="middle"'
                f' font-size="{FONT + 1}">{_esc(message)}</text>')


def _legend_layout(entries: list[_Entry]) -> list[list[tuple[float, _Entry]]]:
    rows: list[list[tuple[float, _Entry]]] = [[]]
    x = float(LEFT)
    for entry in entries:
        width = 22 + len(_clean(entry.name)) * CHAR + 14
        if rows[-1] and x + width > WIDTH - RIGHT:
            rows.append([])
            x = float(LEFT)
        rows[-1].append((x, entry))
        x += width
    return rows if rows[0] else []


def _label_step(count: int, width: float, longest: int) -> int:
    """Show every n-th label: as many as fit turned (about 15 px each), never more than twelve."""
    if count <= 1:
        return 1
    fits_flat = longest * CHAR <= width / count * 0.95
    capacity = 12 if not fits_flat else min(12, int(width / max(longest * CHAR, 1)))
    capacity = max(capacity, 2)
    return max(1, math.ceil(count / capacity))


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# -- shapes ----------------------------------------------------------------------------------------


def _defs(chart_id: str) -> str:
    """The patterns of the fills: dark-on-light, so they stay apart in greyscale and on paper."""
    shades = ("#1e40af", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#475569", "#93c5fd",
              "#9a3412", "#64748b", "#a16207")
    marks = {
        "solid": "",
        "hatch": '<path d="M0 6 L6 0" stroke="#fff" stroke-width="1.6"/>',
        "dots": '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
        "cross": '<path d="M0 6 L6 0 M0 0 L6 6" stroke="#fff" stroke-width="1.1"/>',
        "hlines": '<path d="M0 3 L6 3" stroke="#fff" stroke-width="1.5"/>',
        "vlines": '<path d="M3 0 L3 6" stroke="#fff" stroke-width="1.5"/>',
        "rhatch": '<path d="M0 0 L6 6" stroke="#fff" stroke-width="1.6"/>',
        "grid": '<path d="M0 0.5 L6 0.5 M0.5 0 L0.5 6" stroke="#fff" stroke-width="1"/>',
        "light": '<path d="M0 6 L6 0" stroke="#1e3a8a" stroke-width="0.8"/>',
        "dense": '<path d="M0 3 L3 0 M3 6 L6 3" stroke="#fff" stroke-width="1"/>',
        "check": '<rect width="3" height="3" fill="#fff"/><rect x="3" y="3" width="3" height="3" fill="#fff"/>',
        "rings": '<circle cx="3" cy="3" r="1.8" fill="none" stroke="#fff" stroke-width="0.9"/>',
    }
    parts = ["<defs>"]
    for index, name in enumerate(PATTERNS):
        parts.append(f'<pattern id="{chart_id}-p{index}" width="6" height="6" patternUnits="userSpaceOnUse">'
                     f'<rect width="6" height="6" fill="{shades[index]}"/>{marks[name]}</pattern>')
    parts.append("</defs>")
    return "".join(parts)


def _fill(chart_id: str, index: int) -> str:
    return f"url(#{chart_id}-p{index % len(PATTERNS)})"


def _swatch(chart_id: str, entry: _Entry, x: float, y: float) -> str:
    if entry.kind == "bar":
        return (f'<rect x="{x}" y="{y + 1}" width="16" height="12" fill="{_fill(chart_id, entry.index)}"'
                ' stroke="#0f172a" stroke-width="0.6"/>')
    if entry.kind == "threshold":
        return (f'<line x1="{x}" y1="{y + 7}" x2="{x + 16}" y2="{y + 7}" stroke="#0f172a" stroke-width="2"'
                ' stroke-dasharray="4 2"/>')
    dash = DASHES[entry.index % len(DASHES)]
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<line x1="{x}" y1="{y + 7}" x2="{x + 16}" y2="{y + 7}" stroke="{_ink(entry.index)}"'
            f' stroke-width="2.2"{dashed}/>{_marker(entry.index, x + 8, y + 7, "")}')


def _ink(index: int) -> str:
    return ("#1e40af", "#b45309", "#047857", "#7c3aed", "#be123c")[index % 5]


def _marker(index: int, x: float, y: float, title: str) -> str:
    """A point's marker (a different shape per series), with its value as a tooltip."""
    kind = MARKERS[index % len(MARKERS)]
    tip = f"<title>{_esc(title)}</title>" if title else ""
    ink = _ink(index)
    if kind == "circle":
        return f'<circle cx="{x}" cy="{y}" r="3" fill="{ink}">{tip}</circle>'
    if kind == "square":
        return (f'<rect x="{x - 3}" y="{y - 3}" width="6" height="6" fill="#fff" stroke="{ink}"'
                f' stroke-width="1.6">{tip}</rect>')
    if kind == "diamond":
        return (f'<path d="M{x} {y - 4} L{x + 4} {y} L{x} {y + 4} L{x - 4} {y} Z" fill="{ink}">{tip}</path>')
    if kind == "triangle":
        return f'<path d="M{x} {y - 4} L{x + 4} {y + 3} L{x - 4} {y + 3} Z" fill="#fff" stroke="{ink}">{tip}</path>'
    return (f'<path d="M{x - 3} {y - 3} L{x + 3} {y + 3} M{x - 3} {y + 3} L{x + 3} {y - 3}" stroke="{ink}"'
            f' stroke-width="2">{tip}</path>')


def _line(frame: _Frame, scale: _Scale, series: Series, index: int) -> str:
    """A polyline per run of known values (a gap where one is missing), and markers when there are few points."""
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(series.values):
        if value is None:
            runs.append([])
            continue
        runs[-1].append((frame.x(i), frame.y(scale, value)))
    dash = DASHES[index % len(DASHES)]
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [f'<g class="chart-series chart-series-{index}">']
    for run in runs:
        if len(run) > 1:
            points = " ".join(f"{x},{y}" for x, y in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{_ink(index)}" stroke-width="2"'
                         f' stroke-linejoin="round"{dashed}/>')
    show_markers = len(series.values) <= 40
    for i, value in enumerate(series.values):
        if value is not None and (show_markers or _alone(series.values, i)):
            label = frame.labels[i] if i < len(frame.labels) else ""
            parts.append(_marker(index, frame.x(i), frame.y(scale, value), f"{series.name}, {label}"))
    parts.append("</g>")
    return "".join(parts)


def _alone(values: tuple[float | None, ...], i: int) -> bool:
    """A known value with no known neighbour: a line cannot show it, a marker must."""
    before = i > 0 and values[i - 1] is not None
    after = i + 1 < len(values) and values[i + 1] is not None
    return not (before or after)


def _bar(frame: _Frame, scale: _Scale, x: float, width: float, base: float, value: float, pattern: int,
         title: str, chart_fill: str | None = None) -> str:
    y_value, y_base = frame.y(scale, base + value), frame.y(scale, base)
    top, height = min(y_value, y_base), abs(y_base - y_value)
    fill = chart_fill or _fill(frame.id, pattern)
    return (f'<rect class="chart-bar" x="{round(x, 2)}" y="{top}" width="{round(width, 2)}" height="{round(height, 2)}"'
            f' fill="{fill}" stroke="#0f172a" stroke-width="0.5"><title>{_esc(title)}</title></rect>')


def _stacks(frame: _Frame, scale: _Scale, labels: Sequence[str], series: Sequence[Series], fmt: Formatter) -> list[str]:
    parts = []
    width = frame.slot * 0.64
    for i in range(len(labels)):
        up, down = 0.0, 0.0
        for index, one in enumerate(series):
            value = one.values[i]
            if not value:
                continue
            base = up if value > 0 else down
            parts.append(_bar(frame, scale, frame.x(i) - width / 2, width, base, value, index,
                              f"{labels[i]}, {one.name}: {fmt(value)}"))
            up, down = (up + value, down) if value > 0 else (up, down + value)
    return parts


def _groups(frame: _Frame, scale: _Scale, labels: Sequence[str], series: Sequence[Series], fmt: Formatter) -> list[str]:
    parts = []
    group = frame.slot * 0.8
    width = group / max(len(series), 1)
    for i in range(len(labels)):
        left = frame.x(i) - group / 2
        for index, one in enumerate(series):
            value = one.values[i]
            if value is None:
                continue
            parts.append(_bar(frame, scale, left + index * width, width, 0.0, value, index,
                              f"{labels[i]}, {one.name}: {fmt(value)}"))
    return parts


def _threshold(frame: _Frame, scale: _Scale, threshold: Threshold, fmt: Formatter) -> str:
    """The target as a dashed dark line across the plot, named at its right end."""
    y = frame.y(scale, threshold.value)
    label = f"{threshold.label} {fmt(threshold.value)}"
    return (f'<g class="chart-threshold"><line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="#0f172a"'
            f' stroke-width="2" stroke-dasharray="6 3"/><text x="{WIDTH - RIGHT}" y="{round(y - 4, 2)}"'
            f' text-anchor="end" font-size="{FONT - 1}" font-weight="bold" paint-order="stroke" stroke="#fff"'
            f' stroke-width="3">{_esc(label)}</text></g>')


def _threshold_entry(threshold: Threshold | None) -> list[_Entry]:
    return [_Entry(threshold.label, "threshold", 0)] if threshold is not None else []


def _legend_entries(series: Sequence[Series], kind: str, threshold: Threshold | None) -> list[_Entry]:
    return [_Entry(one.name, kind, index) for index, one in enumerate(series)] + _threshold_entry(threshold)


# -- the whole figure ------------------------------------------------------------------------------


def _figure(text: Text, frame: _Frame, body: list[str], table: str) -> str:
    title_id, desc_id = f"{frame.id}-title", f"{frame.id}-desc"
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} {frame.height}"'
           f' role="img" aria-labelledby="{title_id} {desc_id}" font-family="sans-serif" fill="#0f172a">'
           f'<title id="{title_id}">{_esc(text.title)}</title><desc id="{desc_id}">{_esc(text.desc)}</desc>'
           f'{_defs(frame.id)}{"".join(body)}</svg>')
    return (f'<figure class="chart" id="{frame.id}"><figcaption class="chart-caption">{_esc(text.title)}</figcaption>'
            f"{svg}{table}</figure>")


def _table(text: Text, labels: Sequence[str], series: Sequence[Series], fmt: Formatter,
           threshold: Threshold | None) -> str:
    """The numbers behind the drawing, one row per label, in a ``<details>`` that print opens."""
    head = "".join(f'<th scope="col">{_esc(one.name)}</th>' for one in series)
    rows = []
    for i, label in enumerate(labels):
        cells = "".join(f'<td class="num">{_value(one.values[i], fmt)}</td>' for one in series)
        rows.append(f'<tr><th scope="row">{_esc(label)}</th>{cells}</tr>')
    caption = _esc(text.title)
    note = f'<p class="chart-note">{_esc(threshold.label)}: {_esc(fmt(threshold.value))}</p>' if threshold else ""
    return (f'<details class="chart-data"><summary>{_esc(text.table_summary)}</summary>{note}'
            f'<div class="table-wrap"><table class="compact"><caption>{caption}</caption><thead><tr>'
            f'<th scope="col">{_esc(text.category_heading)}</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div></details>")


def _value(value: float | None, fmt: Formatter) -> str:
    return MISSING if value is None else _esc(fmt(value))


def _fit(labels: Sequence[str], series: Sequence[Series]) -> list[Series]:
    """Each series with exactly one value per label (padded with None, cut when longer); non-finite values dropped."""
    size = len(labels)
    fitted = []
    for one in series:
        values = tuple(v if v is not None and math.isfinite(v) else None for v in one.values[:size])
        fitted.append(Series(one.name, values + (None,) * (size - len(values))))
    return fitted


def _clean(value: str) -> str:
    return _INVALID_XML.sub("", value)


def _esc(value: str) -> str:
    """Escape a text for XML and HTML alike (quotes included); drop characters XML cannot hold."""
    return escape(_clean(value), {'"': "&quot;", "'": "&#x27;"})

