"""Every dialog under hostile wandering: no crash, valid HTML, an answer to every step."""

from __future__ import annotations

import pytest
from hypothesis import given

from bot.pipeline import RequestKind
from tests.hostile.conftest import ADMIN, MANAGER, Bot
from tests.hostile.walker import Step, joined_villager, request_for_manager, steps, wander

pytestmark = pytest.mark.asyncio(loop_scope="module")

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
    ("kind", "button"), [(RequestKind.GOODS, "Reject"), (RequestKind.TICKET, "Quote")]
)
@given(path=steps())
async def test_reject_reason_and_quotes(
    bot: Bot, kind: RequestKind, button: str, path: list[Step]
) -> None:
    bot.begin()
    await bot.text(MANAGER, "/cancel")
    await request_for_manager(bot, kind)
    reply = await bot.press_button(MANAGER, button)
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
