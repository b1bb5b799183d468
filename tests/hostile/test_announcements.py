"""Any announcement the manager sends reaches every villager once, whole, in valid HTML."""

from __future__ import annotations

import pytest
from hypothesis import given

from bot.transport.wire import without_lone_surrogates
from bot.views.announcement import plain_text
from bot.views.texts import t
from tests.hostile.conftest import MANAGER, Bot
from tests.hostile.strategies import typed_text
from tests.hostile.walker import Step, check_answered, visible_buttons

pytestmark = pytest.mark.asyncio(loop_scope="module")

CENTER_NAME = "Kios Desa Leping"
LANGUAGES = ("id", "en", "zh")
# Villagers of earlier examples: each example mutes them, so only its own three hear it.
heard: list[int] = []


def body_of(text: str, locale: str) -> str:
    """The manager's part of an announcement as a villager reads it (header and footer cut)."""
    header = plain_text(t(locale, "broadcast.header", center=CENTER_NAME))
    footer = plain_text(t(locale, "broadcast.footer"))
    assert text.startswith(header) and text.endswith(footer), text[:200]
    return text[len(header) : len(text) - len(footer)].strip()


@given(body=typed_text())
async def test_any_announcement_sent_arrives_once_and_whole(bot: Bot, body: str) -> None:
    bot.begin()
    while heard:
        await bot.store.users.set_muted(heard.pop(), True)
    villagers = {language: bot.new_villager(language) for language in LANGUAGES}
    for villager in villagers.values():
        await bot.join(villager)
        heard.append(villager)
    await bot.text(MANAGER, "/cancel")
    await bot.text(MANAGER, "/broadcast")
    composed = await bot.text(MANAGER, body)
    check_answered(Step("text", body), composed)
    send = [(m, d) for m, d in visible_buttons(bot, MANAGER) if d.endswith(":send")]
    if not send:  # refused with a reason (too long, empty): the walk in test_dialogs covers it
        bot.check_clean()
        return
    message_id, data = send[0]
    header = plain_text(t("en", "broadcast.header", center=CENTER_NAME))
    [preview] = [m.text for m in composed.messages if m.text.startswith(header)]
    before = {v: len(bot.emu.messages(v)) for v in villagers.values()}
    check_answered(Step("button", 0), await bot.press(MANAGER, data, message_id))
    await bot.deliver_broadcasts()
    bot.check_clean()  # no HTML or length refusal, no error logged

    # What the manager typed, as Telegram shows it: outer space cut (lone surrogates, which
    # are not characters, were replaced as the update was read).
    expected = without_lone_surrogates(body).strip()
    assert body_of(preview, "en") == expected
    for language, villager in villagers.items():
        new = bot.emu.messages(villager)[before[villager] :]
        assert len(new) == 1, (language, [m.text[:80] for m in new])
        assert body_of(new[0].text, language) == expected, language
    [(broadcast, tally)] = await bot.store.broadcasts.recent(bot.center_id, limit=1)
    assert (tally.sent, tally.failed, tally.pending) == (len(villagers), 0, 0), broadcast.id
    await bot.text(MANAGER, "/cancel")
