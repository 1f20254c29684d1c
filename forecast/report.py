"""The backtest summary as a plain-text table (for `manage.py forecast`)."""

from __future__ import annotations

import math

METHOD_ORDER = ("model", "last_28", "mean_12m", "last_year")
COLUMNS = ("pai_5", "pai_10", "pai_20", "hit_rate_5", "hit_rate_10", "hit_rate_20", "deviance")


def cell(value) -> str:
    """A score with three decimals; "-" where it is not defined."""
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def summary_table(rows: list[dict]) -> str:
    """One line per method (model first), the scores of the overall scope."""
    by_method = {row["method"]: row for row in rows}
    header = f"{'method':<10}" + "".join(f"{column:>12}" for column in COLUMNS) + f"{'crimes':>9}"
    lines = [header, "-" * len(header)]
    for method in METHOD_ORDER:
        row = by_method.get(method)
        if row is not None:
            lines.append(f"{method:<10}" + "".join(f"{cell(row[column]):>12}" for column in COLUMNS)
                         + f"{row['crimes']:>9}")
    return "\n".join(lines)
