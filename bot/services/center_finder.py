"""Finding a center by the name a villager types (typo-tolerant)."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils

from bot.domain.entities import Center

MIN_SCORE = 60.0


def find_centers(query: str, centers: Sequence[Center], limit: int = 5) -> list[Center]:
    """The centers whose name or code best match `query`, best first."""
    choices = {center.id: f"{center.name} {center.code}" for center in centers}
    by_id = {center.id: center for center in centers}
    matches = process.extract(
        query,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=MIN_SCORE,
    )
    return [by_id[key] for _choice, _score, key in matches]
