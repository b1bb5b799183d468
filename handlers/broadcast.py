"""The manager's announcements: /broadcast composes one (preview, then Send), /broadcasts lists.

The Send button carries the draft's id; every press is checked on the server (the presser
manages the draft's center, the draft is still a draft), so a forged press changes nothing.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.broadcasts import Broadcast, BroadcastStatus, Tally
from bot.domain.clock import short_moment
from bot.domain.entities import Center
from bot.views import callbacks
from bot.views.announcement import (
    announcement_html,
    first_words,
    number,
    room_for_body,
    visible_length,
)
from bot.views.texts import Html, plain, t
from handlers.common import Visitor, notice, say, show, visitor_of
from handlers.dialogs import Dialog, Handler, Step

COMPOSE, CONFIRM = "broadcast_compose", "broadcast_confirm"
SEND, CANCEL = "send", "cancel"
# A forgotten /broadcast must not take the manager's later messages for an announcement.
COMPOSE_TIMEOUT_S = 30 * 60
LISTED = 10


async def begin(update: Update, context: KiosContext) -> Step:
    """/broadcast: ask the manager for a text or a photo with a caption."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "broadcast.not_manager"))
        return ConversationHandler.END
    await say(update, t(visitor.locale, "broadcast.ask", center=center.name))
    return COMPOSE


async def text_written(update: Update, context: KiosContext) -> Step:
    """A text announcement: check it and show the preview."""
    message = update.effective_message
    assert message is not None
    # text_html keeps the manager's bold and italics, with everything else escaped.
    return await preview(update, context, message.text_html or "", None)


async def photo_sent(update: Update, context: KiosContext) -> Step:
    """A photo announcement: the largest size, with its caption."""
    message = update.effective_message
    assert message is not None and message.photo
    return await preview(update, context, message.caption_html or "", message.photo[-1].file_id)


async def preview(update: Update, context: KiosContext, body: str, photo: str | None) -> Step:
    """Store the draft and show it exactly as villagers will get it, with Send and Cancel."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "broadcast.not_manager"))
        return ConversationHandler.END
    refusal = too_long_or_empty(visitor.locale, center, body, photo)
    if refusal:
        await say(update, refusal)
        return None
    draft = await context.store.broadcasts.compose(center.id, visitor.user.id, body, photo)
    await show_as_villagers_will(update, visitor.locale, center, draft)
    recipients = await context.store.broadcasts.count_recipients(center.id, visitor.user.id)
    count = number(recipients, visitor.locale)
    await say(update, t(visitor.locale, "broadcast.confirm", count=count), buttons(visitor, draft))
    return CONFIRM


def too_long_or_empty(locale: str, center: Center, body: str, photo: str | None) -> str | None:
    """Why this announcement cannot go out as it is, or None if it can."""
    length, room = visible_length(body), room_for_body(center.name, caption=photo is not None)
    if length > room:
        key = "broadcast.caption_too_long" if photo else "broadcast.too_long"
        return t(locale, key, length=number(length, locale), limit=number(room, locale))
    if not photo and length == 0:
        return t(locale, "broadcast.empty")
    return None


async def show_as_villagers_will(
    update: Update, locale: str, center: Center, draft: Broadcast
) -> Message:
    """Send the announcement to the manager as it will reach villagers."""
    text = announcement_html(locale, center.name, draft.text)
    chat = update.effective_chat
    assert chat is not None
    if draft.photo_file_id:
        return await chat.send_photo(draft.photo_file_id, caption=text)
    return await say(update, text)


def buttons(visitor: Visitor, draft: Broadcast) -> InlineKeyboardMarkup:
    """Send and Cancel for this draft."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    plain(visitor.locale, f"broadcast.{action}"),
                    callback_data=callbacks.build(callbacks.BROADCAST, draft.id, action),
                )
                for action in (SEND, CANCEL)
            ]
        ]
    )


async def pressed(update: Update, context: KiosContext) -> Step:
    """Send or Cancel, after checking the presser manages the draft and it is still a draft."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    draft = await context.store.broadcasts.get(parsed.ident) if parsed else None
    if parsed is None or parsed.arg not in (SEND, CANCEL) or draft is None:
        await notice(query, visitor.locale, "broadcast.not_allowed", alert=True)
        return ConversationHandler.END
    if draft.center_id not in {center.id for center in visitor.managed}:
        await notice(query, visitor.locale, "broadcast.not_allowed", alert=True)
        return ConversationHandler.END
    if draft.status is not BroadcastStatus.DRAFT:
        await notice(query, visitor.locale, "broadcast.stale", alert=True)
        return ConversationHandler.END
    if parsed.arg == CANCEL:
        return await cancel_draft(update, context, visitor, draft)
    return await start_sending(update, context, visitor, draft)


async def start_sending(
    update: Update, context: KiosContext, visitor: Visitor, draft: Broadcast
) -> Step:
    """Fix the recipients and hand the broadcast to the sender; this message shows progress."""
    query = update.callback_query
    assert query is not None and query.message is not None
    message = query.message
    total = await context.store.broadcasts.start_sending(
        draft.id, visitor.user.id, message.chat.id, message.message_id
    )
    if total is None:  # sent or cancelled a moment ago (a double press)
        await notice(query, visitor.locale, "broadcast.stale", alert=True)
        return ConversationHandler.END
    await query.answer()
    zero, count = number(0, visitor.locale), number(total, visitor.locale)
    await show(query, t(visitor.locale, "broadcast.progress", done=zero, total=count))
    context.wake_broadcaster()
    return ConversationHandler.END


async def cancel_draft(
    update: Update, context: KiosContext, visitor: Visitor, draft: Broadcast
) -> Step:
    """Drop the draft; nothing is sent."""
    query = update.callback_query
    assert query is not None
    await context.store.broadcasts.cancel_drafts(draft.center_id)
    await query.answer()
    await show(query, t(visitor.locale, "broadcast.cancelled"))
    return ConversationHandler.END


async def cancel_command(update: Update, context: KiosContext) -> Step:
    """/cancel while composing: drop the draft, if any."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is not None:
        await context.store.broadcasts.cancel_drafts(center.id)
    await say(update, t(visitor.locale, "broadcast.cancelled"))
    return ConversationHandler.END


async def wrong_kind(update: Update, context: KiosContext) -> Step:
    """Anything but a text or a photo: say what is expected, stay in the step."""
    visitor = await visitor_of(update, context)
    await say(update, t(visitor.locale, "broadcast.wrong_kind"))
    return None


def build_broadcast_conversation() -> Dialog:
    """The persistent compose dialog: text or photo, preview, Send or Cancel."""
    written: Handler = MessageHandler(filters.TEXT & ~filters.COMMAND, text_written)
    photo: Handler = MessageHandler(filters.PHOTO, photo_sent)
    other: Handler = MessageHandler(~filters.COMMAND, wrong_kind)
    button: Handler = CallbackQueryHandler(pressed, pattern=callbacks.pattern(callbacks.BROADCAST))
    return Dialog(
        entry_points=[CommandHandler("broadcast", begin)],
        # A new text or photo after the preview replaces the draft.
        states={COMPOSE: [written, photo, other], CONFIRM: [button, written, photo, other]},
        fallbacks=[CommandHandler("cancel", cancel_command)],
        name="broadcast",
        persistent=True,
        conversation_timeout=COMPOSE_TIMEOUT_S,
        allow_reentry=True,
    )


def list_line(locale: str, center: Center, broadcast: Broadcast, tally: Tally) -> str:
    """One past broadcast: when (on the center's clock), its first words, and its figures."""
    date = short_moment(broadcast.created_at, center.currency)
    words = first_words(broadcast.text, locale)
    if broadcast.status is BroadcastStatus.SENDING:
        done, total = number(tally.settled, locale), number(tally.total, locale)
        return t(locale, "broadcast.line_sending", date=date, words=words, done=done, total=total)
    return t(
        locale,
        "broadcast.line",
        date=date,
        words=words,
        sent=number(tally.sent, locale),
        blocked=number(tally.blocked, locale),
        failed=number(tally.failed, locale),
    )


async def past_broadcasts(update: Update, context: KiosContext) -> None:
    """/broadcasts: the center's last ten announcements with sent, blocked and failed."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "broadcast.not_manager"))
        return
    recent = await context.store.broadcasts.recent(center.id, LISTED)
    if not recent:
        await say(update, t(visitor.locale, "broadcast.none", center=center.name))
        return
    # Each line is already HTML (values escaped by t()); escaping it again shows the tags.
    lines = Html("\n".join(list_line(visitor.locale, center, b, tally) for b, tally in recent))
    await say(update, t(visitor.locale, "broadcast.list", center=center.name, lines=lines))


async def pressed_outside_dialog(update: Update, context: KiosContext) -> None:
    """Send or Cancel pressed with no dialog open (it timed out, or the press is forged)."""
    await pressed(update, context)


def build_broadcast_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """/broadcasts, and Send or Cancel pressed outside the dialog (after it timed out, forged)."""
    return [
        CommandHandler("broadcasts", past_broadcasts),
        CallbackQueryHandler(
            pressed_outside_dialog, pattern=callbacks.pattern(callbacks.BROADCAST)
        ),
    ]
