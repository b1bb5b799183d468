"""A user who wanders through a dialog: hostile text, wrong kinds of message, commands midway,
presses on real, old, replayed and forged buttons; after every step the bot must have answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from bot.domain.pipeline import RequestKind
from tests.hostile.conftest import Bot, Reply, is_apology
from tests.hostile.strategies import forged_callback, interruption, stray_kind, typed_text

# Plausible answers, so that wandering also gets far into each dialog.
GOOD_ANSWERS = (
    "0812 3456 7890",
    "Solo",
    "Yogyakarta",
    "2",
    "15000",
    "Siti Aminah",
    "besok",
    "kg",
    "Gula Aren",
    "Sembako",
    "Stok habis",
    "185000",
    "Bus Rosalia 07:00 185000\nSumber Alam 09:30 120000",
    "LEPONG",
    "Kios Desa Lepong",
    "-7.56, 110.82",
)


@dataclass(frozen=True)
class Step:
    """One thing the user does: `kind` is text, stray, command, button, replay or forge."""

    kind: str
    value: str | int

    def __repr__(self) -> str:
        shown = repr(self.value)
        return f"Step({self.kind}, {shown[:80]}{'...' if len(shown) > 80 else ''})"


def steps(max_steps: int = 5) -> st.SearchStrategy[list[Step]]:
    """A wandering path through a dialog, buttons and plausible answers weighted up."""
    step = st.one_of(
        st.builds(Step, st.just("button"), st.integers(0, 99)),
        st.builds(Step, st.just("button"), st.integers(0, 99)),
        st.builds(Step, st.just("text"), st.sampled_from(GOOD_ANSWERS)),
        st.builds(Step, st.just("text"), typed_text()),
        st.builds(Step, st.just("stray"), stray_kind()),
        st.builds(Step, st.just("command"), interruption()),
        st.builds(Step, st.just("replay"), st.integers(0, 999)),
        st.builds(Step, st.just("forge"), forged_callback()),
    )
    return st.lists(step, min_size=1, max_size=max_steps)


def visible_buttons(bot: Bot, user_id: int) -> list[tuple[int, str]]:
    """(message_id, callback_data) of every button on screen, newest message first."""
    return [
        (message.message_id, button.callback_data)
        for message in reversed(bot.emu.messages(user_id, include_deleted=False))
        for row in message.buttons
        for button in row
        if button.callback_data
    ]


async def take(bot: Bot, user_id: int, step: Step) -> Reply | None:
    """Do `step`; None when there was nothing to press."""
    if step.kind == "text" or step.kind == "command":
        return await bot.text(user_id, str(step.value))
    if step.kind == "stray":
        return await bot.other(user_id, str(step.value))
    if step.kind == "forge":
        return await bot.press(user_id, str(step.value)) if _has_message(bot, user_id) else None
    pool: list[tuple[int | None, str]]
    if step.kind == "button":
        pool = list(visible_buttons(bot, user_id))
    else:  # replay: data of any button ever shown here, pressed on the newest message
        pool = [(None, data) for data in bot.seen_buttons.get(user_id, [])]
    if not pool:
        return None
    message_id, data = pool[int(step.value) % len(pool)]
    return await bot.press(user_id, data, message_id)


def _has_message(bot: Bot, user_id: int) -> bool:
    return bool(bot.emu.messages(user_id, include_deleted=False))


def check_answered(step: Step, reply: Reply) -> None:
    """A press is always answered; a message always gets a reply; never the crash apology."""
    if step.kind in ("button", "replay", "forge"):
        assert reply.answer is not None, f"press {step} left a spinner"
        assert not is_apology(reply.answer.get("text")), step
    else:
        assert reply.messages, f"no reply to {step}"
    assert not any(is_apology(text) for text in reply.texts), (step, reply.texts)


async def wander(bot: Bot, user_id: int, path: list[Step]) -> None:
    """Walk `path`, checking after every step that the bot behaved."""
    for step in path:
        reply = await take(bot, user_id, step)
        if reply is not None:
            check_answered(step, reply)
        await bot.drain_outbox()
        bot.check_clean()


def without_carts(snapshot: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Everything but cart lines (a villager may put things in their own cart)."""
    return {name: rows for name, rows in snapshot.items() if name != "cart_items"}


async def joined_villager(bot: Bot) -> int:
    """A new villager of Leping with one bottle of cooking oil in the cart."""
    user_id = bot.new_villager()
    await bot.join(user_id)
    items = await bot.store.catalog.search_items(bot.center_id, "IDR")
    untracked = next(item for item in items if item.name == "Minyakita 1 liter")  # no stock count
    await bot.store.carts.add(user_id, untracked.product_id, bot.center_id, 1)
    return user_id


async def request_for_manager(bot: Bot, kind: RequestKind) -> int:
    """A new request waiting on the manager's desk (its card delivered); returns its id."""
    from bot.domain.entities import Checkout
    from bot.domain.pipeline import Fulfilment
    from bot.services.submissions import submit_order, submit_travel

    villager_id = await joined_villager(bot)
    store = bot.store
    center = await store.centers.get(bot.center_id)
    villager = await store.users.get(villager_id)
    assert villager is not None
    if kind is RequestKind.TICKET:
        details = {"ticket": "bus", "from": "Solo", "to": "Yogyakarta", "date": "2030-01-02",
                   "count": 1, "names": ["Siti"], "class": "any", "note": ""}  # fmt: skip
        request = await submit_travel(store, villager, center, kind, details)
    else:
        request = await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP))
    await bot.drain_outbox()
    return request.id
