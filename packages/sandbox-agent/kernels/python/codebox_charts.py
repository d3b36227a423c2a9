"""A matplotlib figure's data as E2B's `e2b/chart` result: what was plotted, not how it looks.

The shape is the one E2B's code-interpreter SDKs read (`Result.chart`: `ChartType`, `LineChart`,
`ScatterChart`, `BarChart`, `PieChart`, `BoxAndWhiskerChart`, `SuperChart`); this module builds it
from the figure's artists:

  every chart   type, title (null when none), elements
  2-D charts    x_label, y_label (null when none), x_unit, y_unit (from "Time (s)" or "Length [m]")
  line/scatter  x_ticks, x_tick_labels, x_scale, y_ticks, y_tick_labels, y_scale;
                elements: {label, points: [[x, y], ...]}
  bar           elements: {label, group, value}; x is the category axis, y the value axis
  pie           elements: {label, angle (degrees), radius}
  box plot      elements: {label, min, first_quartile, median, third_quartile, max, outliers}
  superchart    a figure with several axes: title is its suptitle, elements one chart per axes

Which kind an axes holds is read from its artists: only lines is a line chart, only scatter
collections a scatter chart, only the bars of `bar`/`barh` a bar chart, only wedges a pie, the
boxes, whiskers, caps, medians and fliers of `boxplot` a box plot; anything else is `unknown`
with its title and no elements. Horizontal and vertical straight 2-point lines (axhline, axvline)
are reference lines, not data. Scales: `datetime` on a date axis, `categorical` on a string axis,
else matplotlib's scale name (`linear`, `log`, `symlog`, `logit`, ...).

Only names this module defines run: matplotlib is imported by the code that made the figure.
"""

import math
import re
import sys

from codebox_plain import plain

# "Amplitude (Hz)" and "Length [m]": the unit is the first parenthesised part after a space,
# or the first bracketed part.
_UNIT = re.compile(r"\s\(([^()]*)\)|\[([^\[\]]*)\]")
# Matplotlib's default label for an artist the code did not name: "_child3".
_UNNAMED_LINE = re.compile(r"^_child(\d+)$")
_UNNAMED_CONTAINER = re.compile(r"^_container(\d+)$")


def figure_chart(figure):
    """The figure's chart as a dict, or None for a figure with nothing plotted."""
    axes = [ax for ax in figure.get_axes() if not _is_colorbar(ax)]
    if not axes or not any(ax.has_data() for ax in axes):
        return None
    if len(axes) == 1:
        return axes_chart(axes[0])
    # E2B's superchart title is the suptitle, "" when there is none.
    suptitle = figure.get_suptitle() if hasattr(figure, "get_suptitle") else ""
    return {"type": "superchart", "title": suptitle, "elements": [axes_chart(ax) for ax in axes]}


def axes_chart(ax):
    """One axes' chart (see the module's docstring for the shapes)."""
    kind = chart_kind(ax)
    if kind == "line":
        return _point_chart(ax, "line", [_line_series(line) for line in _data_lines(ax)])
    if kind == "scatter":
        return _point_chart(ax, "scatter", [_scatter_series(ax, collection) for collection in ax.collections])
    if kind == "bar":
        return _bar_chart(ax)
    if kind == "pie":
        return {"type": "pie", "title": title_of(ax), "elements": [_wedge(wedge) for wedge in ax.patches]}
    if kind == "box_and_whisker":
        boxes = _box_plot(ax)
        if boxes is not None:
            chart = _with_axis_labels(ax, {"type": "box_and_whisker", "title": title_of(ax)}, swap=boxes[0])
            chart["elements"] = boxes[1]
            return chart
    return {"type": "unknown", "title": title_of(ax), "elements": []}


def chart_kind(ax):
    """`line`, `scatter`, `bar`, `pie`, `box_and_whisker` or `unknown`, from the axes' artists."""
    from matplotlib.collections import PathCollection
    from matplotlib.container import BarContainer
    from matplotlib.patches import PathPatch, Wedge

    lines = list(ax.lines)
    patches = list(ax.patches)
    collections = list(ax.collections)
    if list(ax.images) or list(ax.tables) or list(ax.artists):
        return "unknown"
    if not patches and not collections:
        return "line"
    data_lines = [line for line in lines if not is_reference_line(line)]
    if collections and not patches and not data_lines:
        return "scatter" if all(isinstance(c, PathCollection) for c in collections) else "unknown"
    if collections:
        return "unknown"
    bars = {id(bar) for container in ax.containers if isinstance(container, BarContainer) for bar in container}
    if not data_lines and all(id(patch) in bars for patch in patches):
        return "bar"
    if not lines and all(isinstance(patch, Wedge) for patch in patches):
        return "pie"
    if all(isinstance(patch, PathPatch) for patch in patches):
        return "box_and_whisker"
    return "unknown"


def is_reference_line(line):
    """A straight horizontal or vertical line through two points: axhline, axvline, a grid line."""
    x, y = line.get_xdata(orig=False), line.get_ydata(orig=False)
    return len(x) == 2 and len(y) == 2 and (x[0] == x[1] or y[0] == y[1])


def unit_of(label):
    """"Time (s)" -> "s", "Length [m]" -> "m", else None."""
    if not label:
        return None
    match = _UNIT.search(label)
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def title_of(ax):
    for loc in ("center", "left", "right"):
        text = ax.get_title(loc=loc)
        if text:
            return text
    return None


def scale_of(axis, scale_name):
    """`datetime`, `categorical`, or matplotlib's scale name for the axis."""
    converter = _converter(axis)
    module = type(converter).__module__ if converter is not None else ""
    if module == "matplotlib.dates":
        return "datetime"
    if module == "matplotlib.category":
        return "categorical"
    return scale_name


def tidy(number):
    """A float without the binary noise of the arithmetic that made it (324.00000000000006 -> 324.0)."""
    number = float(number)
    return float("%.12g" % number) if number == number and abs(number) != float("inf") else number


def _with_axis_labels(ax, chart, swap=False):
    x_label, y_label = ax.get_xlabel() or None, ax.get_ylabel() or None
    if swap:
        # Bars and boxes lying along y: x_label names the categories, y_label the values.
        x_label, y_label = y_label, x_label
    chart.update({"x_label": x_label, "y_label": y_label, "x_unit": unit_of(x_label), "y_unit": unit_of(y_label)})
    return chart


def _point_chart(ax, kind, series):
    chart = _with_axis_labels(ax, {"type": kind, "title": title_of(ax)})
    for name, axis, scale in (("x", ax.xaxis, ax.get_xscale()), ("y", ax.yaxis, ax.get_yscale())):
        chart[name + "_ticks"] = _ticks(axis)
        chart[name + "_tick_labels"] = [label.get_text() for label in axis.get_ticklabels()]
        chart[name + "_scale"] = scale_of(axis, scale)
    chart["elements"] = series
    return chart


def _ticks(axis):
    values = list(axis.get_ticklocs())
    if scale_of(axis, "") == "datetime":
        from matplotlib.dates import num2date

        return [num2date(value).isoformat() for value in values]
    return [tidy(value) for value in values]


def _data_lines(ax):
    return [line for line in ax.lines if not is_reference_line(line)]


def _line_series(line):
    label = line.get_label()
    unnamed = _UNNAMED_LINE.match(label)
    if unnamed:
        label = "Line %s" % unnamed.group(1)
    # The data as given (dates stay dates, categories stay strings), not matplotlib's numbers.
    return {"label": label, "points": [list(point) for point in zip(_coordinates(line.get_xdata()), _coordinates(line.get_ydata()))]}


def _coordinates(values):
    """A series' coordinates; a numeric array at once (a thousand points is a common plot)."""
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(values, numpy.ndarray) and values.dtype.kind in "iuf":
        return [value if math.isfinite(value) else None for value in values.astype(float).tolist()]
    return [_coordinate(value) for value in values]


def _coordinate(value):
    """A point's coordinate: numbers as floats (as E2B sends them, 1 as 1.0), others plain."""
    value = plain(value)
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _scatter_series(ax, collection):
    offsets = collection.get_offsets()
    xs = _axis_values(ax.xaxis, [point[0] for point in offsets])
    ys = _axis_values(ax.yaxis, [point[1] for point in offsets])
    return {"label": collection.get_label(), "points": [[_coordinate(x), _coordinate(y)] for x, y in zip(xs, ys)]}


def _axis_values(axis, numbers):
    """Offsets are in matplotlib's numbers: dates go back to dates, as a line's points are."""
    if scale_of(axis, "") == "datetime":
        from matplotlib.dates import num2date

        return [num2date(number) for number in numbers]
    return [float(number) for number in numbers]


def _bar_chart(ax):
    from matplotlib.container import BarContainer

    containers = [container for container in ax.containers if isinstance(container, BarContainer)]
    horizontal = bool(containers) and all(getattr(c, "orientation", None) == "horizontal" for c in containers)
    chart = _with_axis_labels(ax, {"type": "bar", "title": title_of(ax)}, swap=horizontal)
    category_axis = ax.yaxis if horizontal else ax.xaxis
    ticks = [(tick, label.get_text()) for tick, label in zip(category_axis.get_ticklocs(), category_axis.get_ticklabels())]
    elements = []
    for container in containers:
        group = container.get_label() or ""
        unnamed = _UNNAMED_CONTAINER.match(group)
        if unnamed:
            group = "Group %s" % unnamed.group(1)
        # The data as given (a stacked bar's own value, not its top); bars store their geometry only.
        values = getattr(container, "datavalues", None)
        for index, bar in enumerate(container):
            if horizontal:
                center, value = bar.get_y() + bar.get_height() / 2, bar.get_width()
            else:
                center, value = bar.get_x() + bar.get_width() / 2, bar.get_height()
            if values is not None and index < len(values):
                value = values[index]
            elements.append({"label": _category_at(ticks, center), "group": group, "value": plain(tidy(value))})
    chart["elements"] = elements
    return chart


def _category_at(ticks, position):
    """The tick label nearest the bar's centre, within half the tick spacing; else the position."""
    if ticks:
        locations = sorted(tick for tick, _ in ticks)
        spacing = min((b - a for a, b in zip(locations, locations[1:]) if b > a), default=1.0)
        tick, label = min(ticks, key=lambda item: abs(item[0] - position))
        if abs(tick - position) <= spacing / 2 and label:
            return label
    return "%g" % tidy(position)


def _wedge(wedge):
    return {"label": wedge.get_label(), "angle": tidy(abs(wedge.theta2 - wedge.theta1)), "radius": tidy(wedge.r)}


def _box_plot(ax):
    """(horizontal, elements) for the boxes of `boxplot`, or None when the artists are not one."""
    boxes = [_bounds(patch.get_path().vertices) for patch in ax.patches]
    if not boxes:
        return None
    lines = [(line, list(zip(line.get_xdata(orig=False), line.get_ydata(orig=False)))) for line in ax.lines]
    for horizontal in (False, True):
        elements = _read_boxes(ax, boxes, lines, horizontal)
        if elements is not None:
            return horizontal, elements
    return None


def _bounds(vertices):
    xs = [float(v[0]) for v in vertices]
    ys = [float(v[1]) for v in vertices]
    return min(xs), max(xs), min(ys), max(ys)


def _read_boxes(ax, boxes, lines, horizontal):
    """Each box's statistics with position along `p` and values along `v` (x/y, or y/x)."""

    def along(point):
        return (point[1], point[0]) if horizontal else (point[0], point[1])

    category_axis = ax.yaxis if horizontal else ax.xaxis
    ticks = [(tick, label.get_text()) for tick, label in zip(category_axis.get_ticklocs(), category_axis.get_ticklabels())]
    elements = []
    for x0, x1, y0, y1 in boxes:
        p0, p1, low, high = (y0, y1, x0, x1) if horizontal else (x0, x1, y0, y1)
        box = {"median": None, "min": None, "max": None, "outliers": []}
        for line, points in lines:
            coords = [along(point) for point in points]
            if not coords or not all(p0 - 1e-9 <= p <= p1 + 1e-9 for p, _ in coords):
                continue
            values = [v for _, v in coords]
            if line.get_linestyle() in ("None", "", " ") and line.get_marker() not in (None, "None", "", " "):
                box["outliers"].extend(tidy(v) for v in values)
            elif len(coords) == 2 and values[0] == values[1] and low <= values[0] <= high:
                # The median runs across the whole box; a cap is narrower (and may sit on an edge).
                ends = sorted(p for p, _ in coords)
                if abs(ends[0] - p0) <= 1e-9 and abs(ends[1] - p1) <= 1e-9:
                    box["median"] = tidy(values[0])
            elif len(coords) == 2 and coords[0][0] == coords[1][0]:
                # A whisker runs along the value axis from a box edge outwards.
                if max(values) == low:
                    box["min"] = tidy(min(values))
                elif min(values) == high:
                    box["max"] = tidy(max(values))
        if box["median"] is None:
            return None
        elements.append(
            {
                "label": _category_at(ticks, (p0 + p1) / 2),
                "min": box["min"] if box["min"] is not None else tidy(low),
                "first_quartile": tidy(low),
                "median": box["median"],
                "third_quartile": tidy(high),
                "max": box["max"] if box["max"] is not None else tidy(high),
                "outliers": sorted(box["outliers"]),
            }
        )
    return elements


def _is_colorbar(ax):
    return getattr(ax, "_colorbar", None) is not None


def _converter(axis):
    getter = getattr(axis, "get_converter", None)
    return getter() if getter is not None else getattr(axis, "converter", None)
