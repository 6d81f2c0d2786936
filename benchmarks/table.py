"""One table for every figure: a row per measurement, medians of several runs."""

import statistics
import time
from dataclasses import dataclass


@dataclass
class Row:
    section: str
    case: str
    figure: float
    unit: str
    # The figure over the section's baseline, measured in the same run.
    ratio: float | None = None


def median_seconds(runs, action, before=None):
    """Median wall time of ``action()`` over ``runs`` runs; ``before()`` untimed."""
    times = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def with_ratios(rows, baseline_case):
    """Set each row's ratio to its figure over the baseline row of the same unit."""
    baselines = {row.unit: row.figure for row in rows if row.case == baseline_case}
    for row in rows:
        if row.unit in baselines and baselines[row.unit]:
            row.ratio = row.figure / baselines[row.unit]
    return rows


def formatted(figure):
    if figure >= 100:
        return f"{figure:,.0f}"
    return f"{figure:.3g}" if figure < 10 else f"{figure:.1f}"


def print_table(rows):
    header = ("section", "case", "median", "unit", "ratio")
    lines = [
        (
            row.section,
            row.case,
            formatted(row.figure),
            row.unit,
            "" if row.ratio is None else f"{row.ratio:.2f}x",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(5)]
    right = {2, 4}

    def show(cells):
        return " | ".join(
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    print(show(header))
    print("-+-".join("-" * width for width in widths))
    for line in lines:
        print(show(line))
