"""Plain examples of what the hostile-input properties found, one per fix."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import Bot

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_search_with_a_lone_surrogate_is_answered(bot: Bot) -> None:
    """JSON can carry "\\ud800" alone; quoting it back used to fail to encode, so no answer."""
    siti = bot.new_villager()
    await bot.join(siti)
    reply = await bot.text(siti, "minyak\ud800")
    assert any("minyak\ufffd" in text for text in reply.texts), reply.texts
    bot.check_clean()
