"""Every dialog under hostile wandering: no crash, valid HTML, an answer to every step."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.pipeline import Action, RequestKind
from tests.hostile.conftest import ADMIN, MANAGER, Bot
from tests.hostile.strategies import typed_text
from tests.hostile.walker import (
    Step,
    check_answered,
    joined_villager,
    request_for_manager,
    steps,
    visible_buttons,
    wander,
    without_carts,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The buttons that end each dialog, sent as if a question had been skipped.
LAST_STEPS = ("chk:0:confirm", "tup:0:ok", "bil:0:ok", "trv:0:ok", "sel:0:ok", "pnw:0:save",
              "anc:0:create", "brd:1:send", "qst:0:ask", "tup:1", "bil:0:tok")  # fmt: skip
VILLAGER_DIALOGS = ("/checkout", "/topup", "/bill", "/ticket", "/lodging", "/sell", "/ask")


@pytest.mark.parametrize("command", VILLAGER_DIALOGS)
@given(path=steps())
async def test_villager_dialogs(bot: Bot, command: str, path: list[Step]) -> None:
    bot.begin()
    villager = await joined_villager(bot)
    reply = await bot.text(villager, command)
    assert reply.messages, command
    await wander(bot, villager, path)


@pytest.mark.parametrize("command", ("/product", "/broadcast"))
@given(path=steps())
async def test_manager_dialogs(bot: Bot, command: str, path: list[Step]) -> None:
    bot.begin()
    await bot.text(MANAGER, "/cancel")
    assert (await bot.text(MANAGER, command)).messages
    await wander(bot, MANAGER, path)
    await bot.text(MANAGER, "/cancel")


@pytest.mark.parametrize(
    ("kind", "button"), [(RequestKind.GOODS, Action.REJECT), (RequestKind.TICKET, Action.QUOTE)]
)
@given(path=steps())
async def test_reject_reason_and_quotes(
    bot: Bot, kind: RequestKind, button: Action, path: list[Step]
) -> None:
    bot.begin()
    await bot.text(MANAGER, "/cancel")
    request_id = await request_for_manager(bot, kind)
    reply = await bot.press_action(MANAGER, request_id, button.value)
    assert reply.answer is not None
    await wander(bot, MANAGER, path)
    await bot.text(MANAGER, "/cancel")


@given(path=steps())
async def test_new_center_dialog(bot: Bot, path: list[Step]) -> None:
    bot.begin()
    await bot.text(ADMIN, "/cancel")
    assert (await bot.text(ADMIN, "/newcenter")).messages
    await wander(bot, ADMIN, path)
    await bot.text(ADMIN, "/cancel")


@given(data=st.data())
async def test_steps_pressed_before_their_question(bot: Bot, data: st.DataObject) -> None:
    """Buttons of every dialog (taken from other chats) pressed before any dialog began."""
    bot.begin()
    siti = await joined_villager(bot)
    await bot.text(siti, "halo")
    shown = sorted(
        {d for chat, seen in bot.seen_buttons.items() if chat != siti for d in seen}
        | set(LAST_STEPS)
    )
    await bot.drain_outbox()
    before = without_carts(await bot.snapshot())
    # Indexes, not the data itself: the buttons shown so far grow from example to example.
    for index in data.draw(st.lists(st.integers(0, 9999), min_size=1, max_size=6)):
        press = shown[index % len(shown)]
        check_answered(Step("replay", press), await bot.press(siti, press))
        await bot.drain_outbox()
        bot.check_clean()
    assert without_carts(await bot.snapshot()) == before


@given(body=typed_text())
async def test_any_announcement_is_previewed_or_refused(bot: Bot, body: str) -> None:
    """The manager announces anything at all: a valid preview with Send, or the reason why not."""
    bot.begin()
    await bot.text(MANAGER, "/cancel")
    await bot.text(MANAGER, "/broadcast")
    check_answered(Step("text", body), await bot.text(MANAGER, body))
    send = [(m, d) for m, d in visible_buttons(bot, MANAGER) if d.endswith(":send")]
    if send:
        message_id, data = send[0]
        check_answered(Step("button", 0), await bot.press(MANAGER, data, message_id))
    bot.check_clean()
    await bot.text(MANAGER, "/cancel")
