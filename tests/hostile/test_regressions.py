"""Plain examples of what the hostile-input properties found, one per fix."""

from __future__ import annotations

import pytest

from bot.views.texts import plain
from tests.e2e.conftest import part_of
from tests.hostile.conftest import Bot
from tests.hostile.walker import joined_villager

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_search_with_a_lone_surrogate_is_answered(bot: Bot) -> None:
    """JSON can carry "\\ud800" alone; quoting it back used to fail to encode, so no answer."""
    siti = bot.new_villager()
    await bot.join(siti)
    reply = await bot.text(siti, "minyak\ud800")
    assert any("minyak\ufffd" in text for text in reply.texts), reply.texts
    bot.check_clean()


async def test_a_sticker_or_an_unknown_command_is_answered(bot: Bot) -> None:
    """Stickers, photos outside a dialog and unknown commands used to get no answer at all."""
    siti = bot.new_villager()
    await bot.join(siti)
    not_understood = plain("en", "common.not_understood")
    assert (await bot.other(siti, "sticker")).texts == [not_understood]
    assert (await bot.other(siti, "voice")).texts == [not_understood]
    unknown = (await bot.text(siti, "/helpme")).texts
    assert len(unknown) == 1 and part_of("common.unknown_command", command="/helpme") in unknown[0]
    assert "/orders" in unknown[0] and "/queue" not in unknown[0]  # the villager's own commands
    bot.check_clean()


async def test_a_photo_instead_of_pickup_or_delivery_is_answered(bot: Bot) -> None:
    """A photo while the checkout waits for Pickup or Delivery was left without an answer."""
    siti = await joined_villager(bot)
    asked = await bot.text(siti, "/checkout")
    assert any(part_of("checkout.how") in text for text in asked.texts)
    reply = await bot.other(siti, "photo")
    assert reply.texts == [plain("en", "common.not_understood")]
    # The question still stands: Pickup goes on with the order.
    pickup = await bot.press_button(siti, plain("en", "checkout.pickup"))
    assert any(part_of("checkout.ask_note") in text for text in pickup.texts)
    bot.check_clean()


async def test_accepting_an_option_of_a_request_that_does_not_exist(bot: Bot) -> None:
    """A forged "opt:37" (no request 37) made the bot apologise for an error of its own."""
    siti = bot.new_villager()
    await bot.join(siti)
    reply = await bot.press(siti, "opt:99999:1")
    assert reply.answer is not None
    assert reply.answer.get("text") == plain("en", "request.not_allowed")
    bot.check_clean()


async def test_a_long_search_command_is_answered(bot: Bot) -> None:
    """/search with a 5,000-character query quoted it whole: "message is too long", an error."""
    siti = bot.new_villager()
    await bot.join(siti)
    reply = await bot.text(siti, "/search " + "<" * 5000)
    assert len(reply.texts) == 1 and part_of("shop.no_results") in reply.texts[0]
    assert "&lt;" * 100 not in reply.texts[0] and "<" * 100 in reply.texts[0]  # cut, not lost
    bot.check_clean()


async def test_text_of_separator_characters_only_is_answered(bot: Bot) -> None:
    """Text of only \\x1c..\\x1f (blank to Python, not to Telegram) got no answer."""
    siti = bot.new_villager()
    await bot.join(siti)
    assert (await bot.text(siti, "\x1c\x1d")).texts == [plain("en", "common.not_understood")]
    bot.check_clean()
