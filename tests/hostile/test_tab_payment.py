"""The repayment dialog of /tabs under hostile wandering: every step answered, and whatever
the manager types or presses, a tab never goes below zero."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import given

from bot.views import callbacks
from storage.schema import payment_events
from tests.credit import order_on_credit
from tests.hostile.conftest import MANAGER, Bot
from tests.hostile.walker import Step, joined_villager, steps, wander

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def lowest_balance(bot: Bot) -> int:
    """The smallest balance of any villager at the center (0 when nobody owes)."""
    owed = sa.func.sum(payment_events.c.owed_change_minor)
    query = sa.select(owed).group_by(payment_events.c.center_id, payment_events.c.villager_id)
    async with bot.store.db.read() as conn:
        return min((await conn.execute(query)).scalars(), default=0)


@given(path=steps())
async def test_the_repayment_dialog_never_takes_a_tab_below_zero(
    bot: Bot, path: list[Step]
) -> None:
    bot.begin()
    await bot.text(MANAGER, "/cancel")
    villager = await joined_villager(bot)
    center = await bot.store.centers.get(bot.center_id)
    await order_on_credit(bot.store, center, villager, {})  # the oil already in the cart
    owed = await bot.store.tabs.owed(center.id, villager)
    await bot.text(MANAGER, "/tabs")
    pay = callbacks.tab_button(center.id, callbacks.TAB_PAY, villager)
    assert (await bot.press(MANAGER, pay)).messages

    await wander(bot, MANAGER, path)
    await bot.text(MANAGER, "/cancel")

    assert 0 <= await bot.store.tabs.owed(center.id, villager) <= owed
    assert await lowest_balance(bot) >= 0
    bot.check_clean()
