"""The weekly report's charts, drawn by matplotlib's Agg renderer as PNG images.

Each chart illustrates one report table and carries alt text that states its numbers, so the
page reads the same without images. The same report gives byte-identical PNGs: fixed size and
dpi, the bundled DejaVu font, and no software or date chunks in the PNG metadata.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from analytics import report_format as fmt
from analytics.report_model import TOTAL, ReportTable, WeeklyReport

if TYPE_CHECKING:  # only in newer matplotlib releases; the annotation is all that needs it
    from matplotlib.typing import RcKeyType

DPI = 144
SIZE = (7.0, 3.2)  # inches: the printable width of A4 at the page's margins
FUNNEL_STAGES = ("drafted", "approved", "sent", "viewed", "replied", "interviewed", "hired")
TREND_RATES = (("win_rate", "Win rate"), ("reply_rate", "Reply rate"))
PALETTE = ("#1f4e79", "#2e75b6", "#5b9bd5", "#9dc3e6", "#f4b183", "#e07b39", "#a8460b")
_LABEL_CHARS = 22
_STYLE: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",  # ships with matplotlib: the same glyphs on every machine
    "font.size": 8.5,
    # Names come from the config: "$" must stay a dollar sign, never start TeX-like math
    # (a stray "$\frac" would otherwise make the whole chart fail).
    "text.parse_math": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
}


@dataclass(frozen=True)
class Chart:
    slug: str  # the table it illustrates
    name: str  # a file- and Content-ID-safe name, "funnel-by-bidder"
    title: str
    alt: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    @property
    def content_id(self) -> str:
        """The image's Content-ID when it travels inline in an email."""
        return f"{self.name}@bidflow.report"


def report_charts(report: WeeklyReport) -> list[Chart]:
    """Every chart whose table the report has, in the report's table order."""
    charts = []
    for table in report.tables:
        draw = CHARTS.get(table.slug)
        chart = draw(table) if draw is not None else None
        if chart is not None:
            charts.append(chart)
    return charts


def funnel_chart(table: ReportTable) -> Chart | None:
    """Grouped bars: each bidder's proposals at each stage from drafted to hired."""
    frame = _groups(table.frame)
    stages = [stage for stage in FUNNEL_STAGES if stage in frame.columns]
    if frame.empty or not stages:
        return None
    names = _labels(frame)
    positions = np.arange(len(names))
    width = 0.8 / len(stages)

    def draw(axes: Axes) -> None:
        for index, stage in enumerate(stages):
            offset = (index - (len(stages) - 1) / 2) * width
            heights = pd.to_numeric(frame[stage], errors="coerce").fillna(0).to_numpy(float)
            axes.bar(
                positions + offset, heights, width, label=stage.capitalize(), color=PALETTE[index]
            )
        _name_ticks(axes, positions, names)
        axes.set_ylabel("Proposals")
        axes.legend(
            ncols=len(stages), loc="upper center", bbox_to_anchor=(0.5, 1.14), frameon=False
        )

    rows = [
        f"{name}: "
        + ", ".join(f"{stage} {fmt.count(value)}" for stage, value in zip(stages, row, strict=True))
        for name, row in zip(_full_names(frame), frame[stages].itertuples(index=False), strict=True)
    ]
    alt = f"{table.title}, proposals per stage. " + "; ".join(rows) + "."
    return Chart(table.slug, "funnel-by-bidder", table.title, alt, _png(draw))


def trend_chart(table: ReportTable) -> Chart | None:
    """Lines: the win and reply rates week by week, each with its 95% interval shaded."""
    frame = _groups(table.frame)
    rates = [(name, label) for name, label in TREND_RATES if name in frame.columns]
    if frame.empty or not rates:
        return None
    weeks = [str(value) for value in frame.iloc[:, 0]]
    positions = np.arange(len(weeks))

    def draw(axes: Axes) -> None:
        for index, (name, label) in enumerate(rates):
            color = PALETTE[0] if index == 0 else PALETTE[-2]
            axes.plot(positions, _percent(frame, name), marker="o", color=color, label=label)
            if f"{name}_low" in frame.columns and f"{name}_high" in frame.columns:
                low, high = _percent(frame, f"{name}_low"), _percent(frame, f"{name}_high")
                axes.fill_between(positions, low, high, color=color, alpha=0.15, linewidth=0)
        _name_ticks(axes, positions, weeks)
        axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        axes.set_ylim(bottom=0)
        axes.legend(loc="upper left", frameon=False)

    parts = [
        f"{label}: "
        + ", ".join(f"{week} {_rate_text(frame, name, i)}" for i, week in enumerate(weeks))
        for name, label in rates
    ]
    alt = f"{table.title}, with 95% intervals. " + "; ".join(parts) + "."
    return Chart(table.slug, "weekly-trend", table.title, alt, _png(draw))


def speed_chart(table: ReportTable) -> Chart | None:
    """Bars: the reply rate for each speed-to-send bucket, with its 95% interval as error bars."""
    frame = _groups(table.frame)
    if frame.empty or "reply_rate" not in frame.columns:
        return None
    names = _labels(frame)
    positions = np.arange(len(names))
    rate = _percent(frame, "reply_rate")
    low = _percent(frame, "reply_rate_low") if "reply_rate_low" in frame.columns else rate
    high = _percent(frame, "reply_rate_high") if "reply_rate_high" in frame.columns else rate
    errors = np.nan_to_num(np.vstack([rate - low, high - rate]).clip(min=0))

    def draw(axes: Axes) -> None:
        axes.bar(positions, np.nan_to_num(rate), 0.6, color=PALETTE[1])
        axes.errorbar(
            positions, np.nan_to_num(rate), yerr=errors, fmt="none", ecolor="#333333", capsize=4
        )
        for x, value in zip(positions, rate, strict=True):
            if np.isnan(value):
                axes.annotate("no sends", (x, 0), ha="center", va="bottom", color="#666666")
        _name_ticks(axes, positions, names)
        axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        axes.set_ylabel("Reply rate")
        axes.set_ylim(bottom=0)

    rows = [
        f"{name} {_rate_text(frame, 'reply_rate', i)}" for i, name in enumerate(_full_names(frame))
    ]
    alt = f"{table.title}: reply rate with 95% interval. " + "; ".join(rows) + "."
    return Chart(table.slug, "speed-to-send", table.title, alt, _png(draw))


CHARTS: dict[str, Callable[[ReportTable], Chart | None]] = {
    "funnel_by_bidder": funnel_chart,
    "weekly_trend": trend_chart,
    "speed_to_send": speed_chart,
}


def _png(draw: Callable[[Axes], None]) -> bytes:
    with rc_context(_STYLE):
        figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure.add_subplot())
        buffer = io.BytesIO()
        # No "Software" chunk (it names the matplotlib version) and PNGs carry no date: reruns
        # and upgrades of unrelated packages give the same bytes for the same numbers.
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _groups(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the groups, without the total row (it would dwarf every bar)."""
    if len(frame) > 1 and str(frame.iloc[-1, 0]) == TOTAL:
        return frame.iloc[:-1]
    return frame


def _full_names(frame: pd.DataFrame) -> list[str]:
    return [fmt.DASH if fmt.is_missing(value) else str(value) for value in frame.iloc[:, 0]]


def _labels(frame: pd.DataFrame) -> list[str]:
    """Tick labels: one line each, cut to fit under a bar."""
    names = [" ".join(name.split()) for name in _full_names(frame)]
    return [n if len(n) <= _LABEL_CHARS else n[: _LABEL_CHARS - 1] + "…" for n in names]


def _name_ticks(axes: Axes, positions: np.ndarray, names: list[str]) -> None:
    crowded = len(names) > 6 or max((len(name) for name in names), default=0) > 12
    axes.set_xticks(
        positions, names, rotation=30 if crowded else 0, ha="right" if crowded else "center"
    )


def _percent(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(float) * 100


def _rate_text(frame: pd.DataFrame, name: str, row: int) -> str:
    low, high = f"{name}_low", f"{name}_high"
    return fmt.rate_with_interval(
        frame[name].iloc[row],
        frame[low].iloc[row] if low in frame.columns else None,
        frame[high].iloc[row] if high in frame.columns else None,
    )
