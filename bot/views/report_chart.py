"""The report's chart: requests submitted and revenue per hour or per day, as a PNG."""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.views.poster import FONT_FILES, font_at, has_glyphs

SIZE_IN, DPI = (9.0, 6.5), 120
REQUESTS_COLOR, REVENUE_COLOR = "#2f6db5", "#2e8b57"
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

    def all(self) -> str:
        """Every character drawn, to check a font has them all."""
        words = (self.title, self.subtitle, self.requests, self.revenue, self.axis, *self.bars)
        return " ".join(words)


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
) -> bytes:
    """Two bar charts one above the other, sharing the hours or days; PNG bytes."""
    # Imported here, when a manager asks for a chart, so a bot that never draws one
    # does not carry matplotlib. A Figure without pyplot: no global state, Agg renders.
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    props = FontProperties(fname=str(font)) if font else FontProperties()
    top, bottom = figure.subplots(2, 1, sharex=True)
    positions = list(range(len(counts)))
    bars = top.bar(positions, counts, color=REQUESTS_COLOR)
    top.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontproperties=props)
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    earned = bottom.bar(positions, revenue, color=REVENUE_COLOR)
    money = [money_tick(value) if value else "" for value in revenue]
    bottom.bar_label(earned, labels=money, fontproperties=props, fontsize=8)
    bottom.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    # Fixed tick labels, so the money text is drawn in the chosen font too.
    ticks = [value for value in bottom.get_yticks() if value >= 0]
    bottom.set_yticks(ticks, [money_tick(v) for v in ticks], fontproperties=props)
    for axes, label in ((top, text.requests), (bottom, text.revenue)):
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
