"""Redrawing a card a press or a typed answer changed: once, and never to what it shows."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.context import KiosContext
from bot.domain.entities import ServiceRequest
from handlers.common import show

log = logging.getLogger(__name__)


async def redraw_card(
    context: KiosContext, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Redraw the pressed card, unless the outbox or an earlier press just did; note it, so
    the outbox (on a manager's card) or a second press of a double tap need not."""
    message = query.message
    if not isinstance(message, Message):
        await show(query, text, markup)
        return
    shown_cards = context.services.shown_cards
    buttons = markup.to_dict() if markup else None
    if shown_cards.already_shows(message.chat.id, message.message_id, text, buttons):
        return
    with shown_cards.redrawing(message.chat.id, message.message_id):
        await show(query, text, markup)
        shown_cards.note(message.chat.id, message.message_id, text, buttons)


async def redraw_asked_copy(
    update: Update,
    context: KiosContext,
    request: ServiceRequest,
    card: str,
    markup: InlineKeyboardMarkup | None,
    card_id: object,
) -> None:
    """Redraw the copy of the card (opened from /queue) whose button asked, so that it shows
    no stale buttons; the card itself is the outbox's to edit, as on every change."""
    chat = update.effective_chat
    if not isinstance(card_id, int) or chat is None:
        return
    if (request.manager_chat_id, request.manager_message_id) == (chat.id, card_id):
        return
    try:
        await context.bot.edit_message_text(
            card, chat_id=chat.id, message_id=card_id, reply_markup=markup
        )
    except BadRequest as exc:  # deleted meanwhile, or already showing it: nothing to do
        log.info("card copy %s in chat %s not redrawn: %s", card_id, chat.id, exc.message)
