"""The charts: well-formed SVG whose shapes follow the data."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from pipelines.lib.report import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_nice_ticks_cover_the_range_in_round_steps():
    assert charts.nice_ticks(0, 97) == [0, 25, 50, 75, 100]
    assert charts.nice_ticks(0.74, 1.23) == [0.6, 0.8, 1.0, 1.2, 1.4]
    ticks = charts.nice_ticks(-1_200_000, 5_300_000)
    assert ticks[0] <= -1_200_000 and ticks[-1] >= 5_300_000 and 0 in ticks


def test_stacked_bars_are_as_tall_as_their_values():
    series = [
        charts.Series("A", [100.0, 200.0, -50.0], "#111111"),
        charts.Series("B", [50.0, 0.0, 25.0], "#222222"),
    ]
    root = parse(charts.stacked_bars(["m1", "m2", "m3"], series, value_label=str, name="t"))
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("data-series")]
    heights = {
        (rect.get("data-series"), float(rect.get("data-value"))): float(rect.get("height"))
        for rect in bars
    }
    assert len(bars) == 5  # a zero value draws nothing
    per_unit = heights[("A", 100.0)] / 100
    assert abs(heights[("A", 200.0)] - 200 * per_unit) < 0.05
    assert abs(heights[("B", 25.0)] - 25 * per_unit) < 0.05
    negative = next(rect for rect in bars if rect.get("data-value") == "-50.00")
    zero_line = next(line for line in root.iter(f"{SVG}line") if line.get("stroke-width") == "0.8")
    assert abs(float(negative.get("y")) - float(zero_line.get("y1"))) < 0.05  # hangs below zero


def test_trend_lines_skip_missing_periods_and_label_series():
    series = [
        charts.Series("Key", [1.1, None, 1.2], "#1b3a6b"),
        charts.Series("All", [1.0, 1.0, 1.0], "#000", dashed=True),
    ]
    svg = charts.trend_lines(
        ["a", "b", "c"],
        series,
        title="NRR",
        value_label=lambda v: f"{v:.0%}",
        name="nrr",
        reference=1.0,
    )
    root = parse(svg)
    lines = {line.get("data-series"): line for line in root.iter(f"{SVG}polyline")}
    assert len(lines["Key"].get("points").split()) == 2
    assert lines["All"].get("stroke-dasharray")
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "NRR" in texts and "Key" in texts and "All" in texts


def test_pareto_marks_the_top_fifth_and_colours_dots_by_tier():
    shares = [0.2, 0.4, 0.6, 0.8, 1.0]
    cumulative = [0.5, 0.75, 0.9, 0.97, 1.0]
    svg = charts.pareto_curve(
        shares,
        cumulative,
        ["key", "strategic", "core", "maintain", "maintain"],
        tier_labels={"key": "Key"},
        x_label="x",
        y_label="y",
        marker_label="80%",
        percent=lambda v: f"{v:.0%}",
    )
    root = parse(svg)
    dots = [c for c in root.iter(f"{SVG}circle") if c.get("data-tier")]
    assert [dot.get("data-tier") for dot in dots] == [
        "key",
        "strategic",
        "core",
        "maintain",
        "maintain",
    ]
    assert "20% → 50%" in [text.text for text in root.iter(f"{SVG}text")]
