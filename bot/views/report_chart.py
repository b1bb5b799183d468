"""The report's chart: requests submitted and revenue per hour or per day, as a PNG."""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.views.poster import FONT_FILES, font_at, has_glyphs

SIZE_IN, DPI = (9.0, 6.5), 120
# With the payments panel below the other two.
TALL_SIZE_IN = (9.0, 9.5)
REQUESTS_COLOR, REVENUE_COLOR = "#2f6db5", "#2e8b57"
# Cash, QRIS, credit repaid (stacked: money received), then credit given beside them.
PAYMENT_COLORS = ("#2e8b57", "#6a3d9a", "#1f9fb4", "#e08a1e")
# Regular weights first: a chart reads better in them than in the poster's bold faces.
CHART_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    *FONT_FILES,
)


def _matplotlib_dejavu() -> Path | None:
    """matplotlib's own copy of DejaVu Sans (Latin text can always be drawn), found
    without importing matplotlib: importing it costs the bot about 50 MB of memory."""
    spec = importlib.util.find_spec("matplotlib")
    locations = spec.submodule_search_locations if spec else None
    if not locations:
        return None
    return Path(next(iter(locations))) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"


@dataclass(frozen=True)
class ChartText:
    """Every word the chart shows, already in the reader's language."""

    title: str
    subtitle: str
    requests: str
    revenue: str
    bars: Sequence[str]
    # What the labels under the bars are, when the dates do not say it themselves.
    axis: str = ""
    # The payments panel's title and its legend: cash, QRIS, credit repaid, credit given.
    payments: str = ""
    ways: Sequence[str] = ()

    def all(self) -> str:
        """Every character drawn, to check a font has them all."""
        words = (self.title, self.subtitle, self.requests, self.revenue, self.axis, *self.bars)
        return " ".join((*words, self.payments, *self.ways))


def chart_font(text: str) -> Path | None:
    """A font file on this machine that draws every character of `text`, if any."""
    for path in (*CHART_FONTS, _matplotlib_dejavu()):
        if path is not None and path.is_file() and has_glyphs(font_at(path, 24), text):
            return path
    return None


def make_chart(
    text: ChartText,
    counts: Sequence[int],
    revenue: Sequence[float],
    money_tick: Callable[[float], str],
    font: Path | None,
    payments: Sequence[tuple[float, float, float, float]] | None = None,
) -> bytes:
    """Two bar charts one above the other, sharing the hours or days; PNG bytes.

    With `payments` (per bar: cash, QRIS, credit repaid, credit given), a third below them.
    """
    # Imported here, when a manager asks for a chart, so a bot that never draws one
    # does not carry matplotlib. A Figure without pyplot: no global state, Agg renders.
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=TALL_SIZE_IN if payments else SIZE_IN, dpi=DPI, layout="constrained")
    props = FontProperties(fname=str(font)) if font else FontProperties()
    panels = figure.subplots(3 if payments else 2, 1, sharex=True)
    top, bottom = panels[0], panels[-1]
    positions = list(range(len(counts)))
    bars = top.bar(positions, counts, color=REQUESTS_COLOR)
    top.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontproperties=props)
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    middle = panels[1]
    earned = middle.bar(positions, revenue, color=REVENUE_COLOR)
    money = [money_tick(value) if value else "" for value in revenue]
    middle.bar_label(earned, labels=money, fontproperties=props, fontsize=8)
    titled = [(top, text.requests), (middle, text.revenue)]
    if payments:
        draw_payments(bottom, positions, payments, text.ways, props)
        titled.append((bottom, text.payments))
    for axes, _label in titled[1:]:
        axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        # Fixed tick labels, so the money text is drawn in the chosen font too.
        ticks = [value for value in axes.get_yticks() if value >= 0]
        axes.set_yticks(ticks, [money_tick(v) for v in ticks], fontproperties=props)
    for axes, label in titled:
        axes.set_title(label, loc="left", fontproperties=props, fontsize=12)
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
    step = -(-len(positions) // 10)  # at most ten labels under the bars
    bottom.set_xticks(positions[::step], list(text.bars)[::step], fontproperties=props)
    if text.axis:
        bottom.set_xlabel(text.axis, fontproperties=props)
    figure.suptitle(f"{text.title}\n{text.subtitle}", fontproperties=props, fontsize=14)
    output = io.BytesIO()
    figure.savefig(output, format="png")
    return output.getvalue()


def draw_payments(
    axes: Any,
    positions: Sequence[int],
    payments: Sequence[tuple[float, float, float, float]],
    ways: Sequence[str],
    props: Any,
) -> None:
    """Money received (cash, QRIS, repaid, stacked) and credit given beside it, per bar."""
    width = 0.4
    left = [p - width / 2 for p in positions]
    base = [0.0] * len(positions)
    for column in range(3):
        heights = [bar[column] for bar in payments]
        axes.bar(
            left, heights, width, bottom=base, color=PAYMENT_COLORS[column], label=ways[column]
        )
        base = [b + h for b, h in zip(base, heights, strict=True)]
    right = [p + width / 2 for p in positions]
    given = [bar[3] for bar in payments]
    axes.bar(right, given, width, color=PAYMENT_COLORS[3], label=ways[3])
    axes.legend(prop=props, fontsize=8, loc="upper left", ncols=4, frameon=False)
