"""What every handler needs: who is writing, in which language, safe replies, and pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape as html_unescape
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.context import KiosContext
from bot.domain.entities import Center, User
from bot.domain.errors import OutOfStock
from bot.views import callbacks
from bot.views.menus import MANAGER_COMMANDS, VILLAGER_COMMANDS
from bot.views.poster import deep_link
from bot.views.texts import manager_locale, pick_locale, plain, short, t

# A tag of Telegram HTML: the bot's texts escape every "<" of a value, so only tags match.
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Visitor:
    """The Telegram user behind an update, as the bot knows them."""

    user: User
    center: Center | None
    managed: tuple[Center, ...]
    locale: str
    # The centers they help at as staff (not those they manage).
    staffed: tuple[Center, ...] = ()

    @property
    def is_manager(self) -> bool:
        """Whether the user manages at least one center."""
        return bool(self.managed)

    @property
    def desks(self) -> tuple[Center, ...]:
        """Every center whose requests they work on: those they manage, then those they help."""
        return self.managed + self.staffed

    @property
    def desk(self) -> Center | None:
        """The center they work on now: the one chosen with /center, else the first."""
        chosen = self.user.desk_center_id
        return next(
            (c for c in self.desks if c.id == chosen), self.desks[0] if self.desks else None
        )

    @property
    def is_staff_now(self) -> bool:
        """Whether they work on a center as its staff now (so the manager's commands are not
        theirs)."""
        return self.desk is not None and self.desk not in self.managed

    @property
    def managed_center(self) -> Center | None:
        """The center a manager's commands act on: the one they work on, if they manage it."""
        desk = self.desk
        return desk if desk in self.managed else None


async def visitor_of(update: Update, context: KiosContext) -> Visitor:
    """Record the user and load their center, managed centers and language."""
    tg = update.effective_user
    if tg is None:
        raise RuntimeError("update without a user")
    standing = await context.store.users.visit(
        tg.id, tg.first_name, tg.last_name, tg.username, tg.language_code
    )
    user, center, managed = standing.user, standing.center, standing.managed
    # In this bot, only the centers it serves are theirs: the others live in their own bots.
    here = context.services.bot_id
    if center is not None and center.bot_id != here:
        center = None
    managed = tuple(managed_center for managed_center in managed if managed_center.bot_id == here)
    staffed = tuple(desk for desk in standing.staffed if desk.bot_id == here)
    if managed:  # the desk speaks as the manager's cards do
        locale = manager_locale(user, managed[0].language)
        return Visitor(user, center, managed, locale, staffed)
    fallback = center or (staffed or (None,))[0]
    locale = pick_locale(
        user.language, user.telegram_language, fallback.language if fallback else None
    )
    return Visitor(user, center, managed, locale, staffed)


async def bot_username(context: KiosContext, bot_id: int | None) -> str:
    """The @username (without @) of bot `bot_id` of the deployment (None: the default bot)."""
    if bot_id == context.services.bot_id:
        return context.bot.username
    if bot_id is None:
        return context.services.default_bot_username
    return (await context.store.bots.get(bot_id)).username


async def center_link(context: KiosContext, center: Center) -> str:
    """The deep link that joins `center`, through the bot its villagers talk to."""
    return deep_link(await bot_username(context, center.bot_id), center.code)


def served_elsewhere(context: KiosContext, center: Center) -> bool:
    """Whether `center`'s villagers talk to another bot than this one."""
    return center.bot_id != context.services.bot_id


async def say(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> Message:
    """Send a new message to the chat the update came from (HTML is the default parse mode)."""
    chat = update.effective_chat
    if chat is None:
        raise RuntimeError("update without a chat")
    return await chat.send_message(text, reply_markup=markup)


def shows_already(
    message: object, html: str, markup: InlineKeyboardMarkup | None, caption: bool = False
) -> bool:
    """Whether the pressed message, as the press saw it, shows exactly this text and buttons.

    An edit to the same content costs a request only to be answered "message is not modified".
    Cheap comparisons first: PTB objects take a tenth of a millisecond each to build.
    """
    if not isinstance(message, Message):
        return False
    showed = message.api_kwargs.get(callbacks.PRESSED_SHOWED)
    if not isinstance(showed, dict):
        return False  # a press from before the wire kept it aside: redraw to be sure
    text = message.caption if caption else message.text
    if text != html_unescape(_TAG.sub("", html)).strip():  # Telegram trims the text
        return False
    if _buttons_of(showed.get("reply_markup")) != _buttons(markup):
        return False
    entities = showed.get("caption_entities" if caption else "entities") or []
    # PTB rebuilds the HTML escaping quotes too, which `t()` leaves as they are.
    shown = as_html(message, text or "", entities)
    return shown.replace("&quot;", '"').replace("&#x27;", "'") == html


def _buttons(markup: InlineKeyboardMarkup | None) -> list[list[tuple[object, ...]]] | None:
    """Inline buttons as (text, callback_data, url); None for no keyboard."""
    if markup is None or not markup.inline_keyboard:
        return None
    return [[(b.text, b.callback_data, b.url) for b in row] for row in markup.inline_keyboard]


def _buttons_of(raw: object) -> list[list[tuple[object, ...]]] | bool | None:
    """The same of a keyboard as Telegram sent it (JSON); False for kinds the bot never sends."""
    rows = raw.get("inline_keyboard") if isinstance(raw, dict) else None
    if not rows:
        return None
    if any(set(b) - {"text", "callback_data", "url"} for row in rows for b in row):
        return False
    return [[(b.get("text"), b.get("callback_data"), b.get("url")) for b in row] for row in rows]


def as_html(message: Message, text: str, entities: list[dict[str, Any]]) -> str:
    """Telegram's text and entities (as plain JSON) in Telegram HTML."""
    parsed = MessageEntity.de_list(entities)
    rebuilt = Message(message.message_id, message.date, message.chat, text=text, entities=parsed)
    return rebuilt.text_html


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message's text and buttons, unless it shows them already."""
    if shows_already(query.message, text, markup):
        return
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        # PTB capitalizes Telegram's description: "Message is not modified: ...".
        if "message is not modified" not in exc.message.lower():
            raise


async def show_card(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Like `show`, for a message that may be a photo: then its caption is replaced."""
    message = query.message
    if not (isinstance(message, Message) and message.photo):
        await show(query, text, markup)
        return
    if shows_already(message, text, markup, caption=True):
        return
    try:
        await query.edit_message_caption(caption=text, reply_markup=markup)
    except BadRequest as exc:
        if "message is not modified" not in exc.message.lower():
            raise


async def answer_press(update: Update) -> None:
    """Answer the press, if the update is one (a step may be reached by either)."""
    if update.callback_query:
        await update.callback_query.answer()


async def notice(
    query: CallbackQuery, locale: str, key: str, *, alert: bool = False, **values: object
) -> None:
    """Answer a button press with a short notice (shown as a toast, or an alert)."""
    # Telegram refuses answers over 200 characters; long product names are cut first.
    shortened = {name: short(str(value)) for name, value in values.items()}
    await query.answer(plain(locale, key, **shortened)[:200], show_alert=alert)


async def notice_out_of_stock(query: CallbackQuery, locale: str, refused: OutOfStock) -> None:
    """Answer a press that asked for more than is left: the product and how many remain."""
    await notice(
        query,
        locale,
        "shop.not_enough",
        alert=True,
        name=refused.product_name,
        left=refused.available,
    )


async def joined_center(update: Update, visitor: Visitor) -> Center | None:
    """The villager's center; without one, they are asked to join one first (and get None)."""
    if visitor.center is None:
        await say(update, t(visitor.locale, "onboarding.ask_center"))
    return visitor.center


async def unknown_button(update: Update, context: KiosContext) -> None:
    """A press no other handler claims (forged or outdated data): answer it, change nothing."""
    query = update.callback_query
    if query is None:
        return
    visitor = await visitor_of(update, context)
    await notice(query, visitor.locale, "common.stale", alert=True)


async def not_understood(update: Update, context: KiosContext) -> None:
    """A message no handler took (a sticker, a photo between steps, an unknown command)."""
    visitor = await visitor_of(update, context)
    command = command_of(update)
    if command is not None:
        await unknown_command(update, visitor, command)
        return
    await say(update, t(visitor.locale, "common.not_understood"))


def command_of(update: Update) -> str | None:
    """The command a message starts with ("/queue" of "/queue@KiosBot 2"), lowercased."""
    message = update.effective_message
    words = (message.text or "").split() if message else []
    if not words or not words[0].startswith("/"):
        return None
    return words[0].split("@", 1)[0].lower()


async def unknown_command(update: Update, visitor: Visitor, command: str) -> None:
    """Say that `command` is none of this user's, and list the ones that are."""
    names = MANAGER_COMMANDS if visitor.is_manager else VILLAGER_COMMANDS
    commands = ", ".join(f"/{name}" for name in names)
    text = t(visitor.locale, "common.unknown_command", command=short(command), commands=commands)
    await say(update, text)


def build_not_understood_handler() -> MessageHandler[KiosContext, None]:
    """The last message handler: whatever the user sent, they hear what the bot can use."""
    return MessageHandler(filters.ALL, not_understood)


async def private_messages_only(update: Update, context: KiosContext) -> None:
    """Stop updates from groups and channels, and edits of old messages, before any handler.

    Orders and queues are private; an edited message must not answer a question asked since.
    """
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    if not private or update.effective_user is None or update.edited_message is not None:
        raise ApplicationHandlerStop


@dataclass(frozen=True)
class Page:
    """One page of a list: which one (from 0), how many there are, and how many items a page."""

    index: int
    count: int
    size: int

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return self.index * self.size


def page_of(asked: int, total: int, size: int) -> Page:
    """Page `asked` of a list of `total` items (at least one), kept within its pages."""
    count = (total + size - 1) // size
    return Page(min(max(asked, 0), count - 1), count, size)


def page_buttons(prefix: str, page: Page) -> list[InlineKeyboardButton]:
    """Previous / next buttons where there is somewhere to go."""
    row = []
    if page.index > 0:
        row.append(InlineKeyboardButton("◀", callback_data=callbacks.build(prefix, page.index - 1)))
    if page.index + 1 < page.count:
        row.append(InlineKeyboardButton("▶", callback_data=callbacks.build(prefix, page.index + 1)))
    return row
