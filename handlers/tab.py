"""/tab and /reminders: a villager sees what they owe their center, and whether to be reminded."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import KiosContext
from bot.views.tab_texts import tab_text
from bot.views.texts import plain, t
from handlers.common import joined_center, say, visitor_of

# What `/reminders WORD` asks for: True turns reminders off, False back on.
REMINDER_WORDS = {
    "off": True,
    "mati": True,
    "stop": True,
    "关": True,
    "关闭": True,
    "on": False,
    "nyala": False,
    "hidup": False,
    "开": False,
    "开启": False,
}


async def tab(update: Update, context: KiosContext) -> None:
    """/tab: what the villager owes their center, request by request, and the balance."""
    visitor = await visitor_of(update, context)
    center = await joined_center(update, visitor)
    if center is None:
        return
    owed = await context.store.tabs.tab(center.id, visitor.user.id)
    await say(update, tab_text(owed, center.name, visitor.locale))


async def reminders(update: Update, context: KiosContext) -> None:
    """/reminders on|off: stop or allow the center's reminders of the villager's tab."""
    visitor = await visitor_of(update, context)
    word = " ".join(context.args or []).strip().lower()
    tabs = context.store.tabs
    if word not in REMINDER_WORDS:
        off = await tabs.reminders_off(visitor.user.id)
        state = plain(visitor.locale, f"tab.reminders_state_{'off' if off else 'on'}")
        await say(update, t(visitor.locale, "tab.reminders_usage", state=state))
        return
    off = REMINDER_WORDS[word]
    await tabs.set_reminders_off(visitor.user.id, off)
    await say(update, t(visitor.locale, "tab.reminders_off" if off else "tab.reminders_on"))


def build_tab_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /tab and /reminders."""
    return [CommandHandler("tab", tab), CommandHandler("reminders", reminders)]
