"""The end of /newcenter: the summary to check, then Create (or Cancel); and what every step
of the dialog shares: its states, its buttons, and the check that the user is an operator.
"""

from __future__ import annotations

import functools
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import KiosContext
from bot.domain.entities import Center
from bot.domain.errors import DuplicateCenter
from bot.views import callbacks
from bot.views.poster import deep_link
from bot.views.texts import plain, t
from handlers.common import center_link, notice, say, show, visitor_of
from handlers.dialogs import Step, StepHandler, draft_of, leave_dialog, remind_buttons
from handlers.operator import (
    is_operator,
    locales_of,
    manager_label,
    manager_messages,
    refresh_menu,
    refuse,
)

CODE, NAME, MANAGER, CURRENCY, LANGUAGE, LOCATION, CONFIRM = (
    f"newcenter_{step}"
    for step in ("code", "name", "manager", "currency", "language", "location", "confirm")
)
DRAFT_KEY = "newcenter"
SKIP, CREATE, CANCEL = "skip", "ok", "no"


def step_button(label: str, arg: str) -> InlineKeyboardButton:
    """A button of this dialog."""
    return InlineKeyboardButton(label, callback_data=callbacks.step(callbacks.NEW_CENTER, arg))


def cancel_row(locale: str) -> list[InlineKeyboardButton]:
    """The row with Cancel under every question."""
    return [step_button(plain(locale, "admin.new_cancel"), CANCEL)]


async def not_operator(update: Update, context: KiosContext) -> Step:
    """Someone else reached a step (or pressed a forged button): say no and end the dialog."""
    context.dialog.pop(DRAFT_KEY, None)
    await refuse(update, context)
    return ConversationHandler.END


def operators_only(step: StepHandler) -> StepHandler:
    """Run the step for an operator only; anyone else is refused and the dialog ends."""

    @functools.wraps(step)
    async def checked(update: Update, context: KiosContext) -> Step:
        if not is_operator(update, context):
            return await not_operator(update, context)
        return await step(update, context)

    return checked


async def location_given(
    update: Update, context: KiosContext, point: tuple[float, float] | None
) -> Step:
    """Keep the location (or none) and show the summary with Create and Cancel."""
    visitor = await visitor_of(update, context)
    center = draft_of(context, DRAFT_KEY)
    center["lat"], center["lon"] = point if point else (None, None)
    if not complete(center):
        return await lost_draft(update, context)
    create = step_button(plain(visitor.locale, "admin.new_create"), CREATE)
    markup = InlineKeyboardMarkup([[create], cancel_row(visitor.locale)])
    await say(update, await summary(context, visitor.locale, center), markup)
    return CONFIRM


def complete(center: dict[str, Any]) -> bool:
    """Whether the draft has every field a center needs."""
    return all(key in center for key in ("code", "name", "manager_id", "currency", "language"))


async def summary(context: KiosContext, locale: str, center: dict[str, Any]) -> str:
    """The new center as it will be created."""
    manager_id = int(center["manager_id"])
    manager = manager_label(locale, manager_id, await context.store.users.get(manager_id))
    if center.get("lat") is None:
        where = t(locale, "admin.no_location")
    else:
        where = f"{float(center['lat']):.5f}, {float(center['lon']):.5f}"
    return t(
        locale,
        "admin.new_summary",
        code=center["code"],
        name=center["name"],
        manager=manager,
        currency=center["currency"],
        language=plain(str(center["language"]), "language.name"),
        location=where,
    )


@operators_only
async def create_pressed(update: Update, context: KiosContext) -> Step:
    """Create the center as summarized; tell its manager; show the operator its deep link."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    center = context.dialog.pop(DRAFT_KEY, None) or {}
    if not complete(center):
        await notice(query, visitor.locale, "common.stale", alert=True)
        return ConversationHandler.END
    await query.answer()
    try:
        created = await create(context, center)
    except DuplicateCenter:  # taken since the code was typed
        await show(query, t(visitor.locale, "admin.new_code_taken_now", code=center["code"]))
        return ConversationHandler.END
    await refresh_menu(
        context.bot,
        context.store,
        context.settings,
        created.manager_id,
        context.services.bot_id,
    )
    await show(query, await created_text(context, visitor.locale, created))
    return ConversationHandler.END


async def create(context: KiosContext, center: dict[str, Any]) -> Center:
    """Store the center through the same call as `kiosdesa center add`, with the manager's news."""
    code, manager_id = str(center["code"]), int(center["manager_id"])
    link = deep_link(context.bot.username, code)
    locales = await locales_of(context.store, (manager_id,), str(center["language"]))
    return await context.store.centers.add_center(
        code,
        str(center["name"]),
        manager_id,
        currency=str(center["currency"]),
        language=str(center["language"]),
        lat=center.get("lat"),
        lon=center.get("lon"),
        notify=lambda new: manager_messages(None, new, link, locales),
        bot_id=context.services.bot_id,  # the bot the operator made it in serves it
    )


async def created_text(context: KiosContext, locale: str, center: Center) -> str:
    """What the operator reads after Create: the center, its manager and its deep link."""
    known = await context.store.users.get(center.manager_id)
    text = t(
        locale,
        "admin.new_created",
        code=center.code,
        name=center.name,
        manager=manager_label(locale, center.manager_id, known),
        link=await center_link(context, center),
    )
    return text if known else text + "\n" + t(locale, "admin.not_told")


async def lost_draft(update: Update, context: KiosContext) -> Step:
    """The draft is gone (e.g. an old button): start again."""
    visitor = await visitor_of(update, context)
    context.dialog.pop(DRAFT_KEY, None)
    await say(update, t(visitor.locale, "admin.new_lost"))
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave the dialog; nothing is created."""
    return await leave_dialog(update, context, DRAFT_KEY, "admin.new_cancelled")


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected."""
    await remind_buttons(update, context, "admin.new_use_buttons")
