"""Ask the manager: /ask (or its button) takes one text, photo or voice message to the manager;
Reply under a relayed message takes one back the other way, so a thread goes back and forth.

The Reply and Close buttons carry the thread's id; every press and every message is checked on
the server (the presser is the thread's villager or its center's manager, the thread is open),
so a forged press changes nothing.
"""

from __future__ import annotations

import contextlib

from telegram import CallbackQuery, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.questions import MAX_OPEN_QUESTIONS, Entry, EntryKind
from bot.services.questions import QuestionRefused, authorize, check_can_ask, check_room_to_ask
from bot.services.questions import ask as ask_manager
from bot.services.questions import close as close_question
from bot.services.questions import reply as reply_in_thread
from bot.views import callbacks
from bot.views.labels import question_refusal_key
from bot.views.question_texts import ASK, CLOSE, REPLY
from bot.views.texts import counted, t
from handlers.common import Visitor, notice, say, visitor_of
from handlers.dialogs import Dialog, Handler, Step, leave_dialog

WRITING = "ask_writing"
DRAFT = "ask"
# A forgotten /ask must not take the villager's later searches for a question.
WRITING_TIMEOUT_S = 30 * 60


def refusal_text(visitor: Visitor, refused: QuestionRefused) -> str:
    """The refusal in the user's words."""
    center = visitor.center.name if visitor.center else ""
    key = question_refusal_key(refused.reason)
    return t(
        visitor.locale,
        key,
        number=refused.question_id or "",
        center=center,
        questions=counted(visitor.locale, "plural.questions", MAX_OPEN_QUESTIONS),
    )


async def refuse_press(query: CallbackQuery, visitor: Visitor, refused: QuestionRefused) -> None:
    """Answer a press that does not apply with an alert; nothing changes."""
    key = question_refusal_key(refused.reason)
    await notice(query, visitor.locale, key, alert=True, number=refused.question_id or "")


async def begin(update: Update, context: KiosContext) -> Step:
    """/ask: check the villager has a center, then ask for the message."""
    visitor = await visitor_of(update, context)
    try:
        center = check_can_ask(visitor.user, visitor.center)
        await check_room_to_ask(context.store, visitor.user, center)
    except QuestionRefused as refused:
        await say(update, refusal_text(visitor, refused))
        return ConversationHandler.END
    context.dialog[DRAFT] = {"question": None}
    await say(update, t(visitor.locale, "ask.prompt", center=center.name))
    return WRITING


async def pressed(update: Update, context: KiosContext) -> Step:
    """Ask the manager, or Reply in a thread after checking it is the presser's and open."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    if parsed is not None and parsed.arg == ASK:
        await query.answer()
        return await begin(update, context)
    visitor = await visitor_of(update, context)
    try:
        thread = await authorize(context.store, parsed.ident if parsed else 0, visitor.user.id)
    except QuestionRefused as refused:
        await refuse_press(query, visitor, refused)
        return ConversationHandler.END
    await query.answer()
    context.dialog[DRAFT] = {"question": thread.question.id}
    await say(update, t(visitor.locale, "ask.reply_prompt", number=thread.question.id))
    return WRITING


async def text_written(update: Update, context: KiosContext) -> Step:
    """A text: relay it."""
    message = update.effective_message
    assert message is not None
    return await relay(update, context, Entry(EntryKind.TEXT, message.text or ""))


async def photo_sent(update: Update, context: KiosContext) -> Step:
    """A photo (the largest size) with its caption: relay it."""
    message = update.effective_message
    assert message is not None and message.photo
    photo = message.photo[-1].file_id
    return await relay(update, context, Entry(EntryKind.PHOTO, message.caption or "", photo))


async def voice_sent(update: Update, context: KiosContext) -> Step:
    """A voice message: relay it."""
    message = update.effective_message
    assert message is not None and message.voice
    voice = message.voice.file_id
    return await relay(update, context, Entry(EntryKind.VOICE, message.caption or "", voice))


async def relay(update: Update, context: KiosContext, entry: Entry) -> Step:
    """Record the message and send it on (a new thread, or a reply); tell the writer."""
    visitor = await visitor_of(update, context)
    draft = context.dialog.pop(DRAFT, None) or {}
    question_id = draft.get("question")
    try:
        if question_id is None:
            question = await ask_manager(context.store, visitor.user, visitor.center, entry)
            center = visitor.center.name if visitor.center else ""
            await say(update, t(visitor.locale, "ask.sent", number=question.id, center=center))
        else:
            thread = await reply_in_thread(context.store, int(question_id), visitor.user.id, entry)
            await say(update, t(visitor.locale, "ask.reply_sent", number=thread.question.id))
    except QuestionRefused as refused:
        await say(update, refusal_text(visitor, refused))
    return ConversationHandler.END


async def wrong_kind(update: Update, context: KiosContext) -> Step:
    """Anything but a text, a photo or a voice message: say what is expected, stay."""
    visitor = await visitor_of(update, context)
    await say(update, t(visitor.locale, "ask.wrong_kind"))
    return None


async def cancelled(update: Update, context: KiosContext) -> int:
    """/cancel: nothing is sent."""
    return await leave_dialog(update, context, DRAFT, "ask.cancelled")


async def close_pressed(update: Update, context: KiosContext) -> None:
    """Close: the manager ends the thread; the villager is told, the buttons go away."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    try:
        thread = await close_question(context.store, parsed.ident if parsed else 0, visitor.user.id)
    except QuestionRefused as refused:
        await refuse_press(query, visitor, refused)
        return
    await notice(query, visitor.locale, "ask.closed_done", number=thread.question.id)
    with contextlib.suppress(BadRequest):  # the message is too old to edit: the close stands
        await query.edit_message_reply_markup(None)


def build_question_conversation() -> Dialog:
    """The persistent dialog: /ask or Reply, then one text, photo or voice message."""
    entry = f"^{callbacks.QUESTION}:\\d+:({ASK}|{REPLY})$"
    written: Handler = MessageHandler(filters.TEXT & ~filters.COMMAND, text_written)
    photo: Handler = MessageHandler(filters.PHOTO, photo_sent)
    voice: Handler = MessageHandler(filters.VOICE, voice_sent)
    # A shared contact still reaches onboarding, which stores the phone number.
    other: Handler = MessageHandler(~filters.COMMAND & ~filters.CONTACT, wrong_kind)
    return Dialog(
        entry_points=[CommandHandler("ask", begin), CallbackQueryHandler(pressed, pattern=entry)],
        states={WRITING: [written, photo, voice, other]},
        fallbacks=[CommandHandler("cancel", cancelled)],
        name="ask",
        persistent=True,
        conversation_timeout=WRITING_TIMEOUT_S,
        allow_reentry=True,
    )


def build_question_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Close on a relayed question, pressed at any time."""
    pattern = f"^{callbacks.QUESTION}:\\d+:{CLOSE}$"
    return [CallbackQueryHandler(close_pressed, pattern=pattern)]
