"""Typed text and commands with hostile arguments: an answer, and no change by a stranger."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.conftest import ADMIN, MANAGER, Bot, Reply, is_apology
from tests.hostile.strategies import hostile_text, typed_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

MANAGER_COMMANDS = (
    "/stock",
    "/price",
    "/report",
    "/export",
    "/product",
    "/broadcast",
    "/tabs",
    "/credit",
)
ADMIN_COMMANDS = ("/setmanager", "/newcenter", "/centers")


def answered(reply: Reply) -> None:
    """The user got something back, and it was not the apology for a crash."""
    assert reply.said_anything, "the bot said nothing"
    assert not any(is_apology(text) for text in reply.texts), reply.texts


@given(text=typed_text())
async def test_typed_text_is_searched_or_explained(bot: Bot, text: str) -> None:
    bot.begin()
    siti = bot.new_villager()
    answered(await bot.text(siti, text))  # before joining: a center search
    await bot.join(siti)
    answered(await bot.text(siti, text))  # after: a product search
    bot.check_clean()


@given(code=hostile_text(surrogates=False))
async def test_start_with_any_code(bot: Bot, code: str) -> None:
    bot.begin()
    siti = bot.new_villager()
    before = await bot.snapshot()
    answered(await bot.text(siti, f"/start {code}"))
    assert await bot.snapshot() == before
    bot.check_clean()


@given(
    command=st.sampled_from(MANAGER_COMMANDS + ADMIN_COMMANDS),
    argument=hostile_text(),
)
async def test_villager_cannot_use_the_desk(bot: Bot, command: str, argument: str) -> None:
    bot.begin()
    siti = bot.new_villager()
    await bot.join(siti)
    before = await bot.snapshot()
    answered(await bot.text(siti, f"{command} {argument}"))
    answered(await bot.text(siti, "/cancel"))
    await bot.drain_outbox()
    assert await bot.snapshot() == before
    bot.check_clean()


@given(
    command=st.sampled_from(("/stock", "/price", "/report", "/export", "/credit", "/reminders")),
    argument=hostile_text(),
)
async def test_manager_commands_with_any_argument(bot: Bot, command: str, argument: str) -> None:
    bot.begin()
    answered(await bot.text(MANAGER, f"{command} {argument}"))
    bot.check_clean()


@given(argument=hostile_text())
async def test_setmanager_with_any_argument(bot: Bot, argument: str) -> None:
    bot.begin()
    before = await bot.snapshot()
    answered(await bot.text(ADMIN, f"/setmanager {argument}"))
    after = await bot.snapshot()
    # Only a well-formed "CODE USER_ID" may hand the center over.
    if before != after:
        assert argument.split()[0].upper() == "LEPING", argument
    bot.check_clean()
