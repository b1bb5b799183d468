"""/qris: the manager gives the center its QRIS sticker (or a CNY center its payee QR).

A photo of the sticker (captioned /qris, or sent after /qris) is read with a QR decoder;
the payload may be pasted as text too. It is checked before it is kept, and the manager is
told what was read (the merchant's name and city) or, in one line, why it was refused.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.context import KiosContext
from bot.domain.entities import Center
from bot.domain.qris import InvalidQris
from bot.services.qr_payment import SavedQr, save_center_qr, save_photographed_qr
from bot.views.labels import qris_refusal_key
from bot.views.payment_qr import read_qr_codes
from bot.views.texts import plain, t
from handlers.common import say, visitor_of
from handlers.dialogs import Dialog, Handler, Step, typed_text

WAIT_CODE = "qris_wait_code"
# A forgotten /qris must not take the manager's later photos and texts for a sticker.
WAIT_TIMEOUT_S = 15 * 60
# "/qris" alone as a photo's caption (or "/qris@bot"): the photo is the sticker.
CAPTIONED = filters.PHOTO & filters.CaptionRegex(r"^/qris(@\w+)?\s*$")


async def managed(update: Update, context: KiosContext) -> tuple[str, Center | None]:
    """The manager's language and center; None (after saying so) for anyone else."""
    visitor = await visitor_of(update, context)
    if visitor.managed_center is None:
        await say(update, t(visitor.locale, "qris.not_manager"))
    return visitor.locale, visitor.managed_center


async def begin(update: Update, context: KiosContext) -> Step:
    """/qris: keep a pasted payload at once, else ask for a photo of the sticker."""
    locale, center = await managed(update, context)
    if center is None:
        return ConversationHandler.END
    pasted = typed_text(update).partition(" ")[2].strip()
    if pasted:
        return await keep_text(update, context, locale, center, pasted)
    ask = "qris.ask_payee_photo" if center.currency == "CNY" else "qris.ask_photo"
    await say(update, t(locale, ask))
    return WAIT_CODE


async def text_sent(update: Update, context: KiosContext) -> Step:
    """A payload pasted after /qris."""
    locale, center = await managed(update, context)
    if center is None:
        return ConversationHandler.END
    return await keep_text(update, context, locale, center, typed_text(update))


async def keep_text(
    update: Update, context: KiosContext, locale: str, center: Center, text: str
) -> Step:
    """Check and keep `text` as the center's code; say what was kept or why not."""
    try:
        saved = await save_center_qr(context.store, center, text)
    except InvalidQris as refused:
        await say(update, refusal_text(locale, refused))
        return ConversationHandler.END
    await say(update, saved_text(locale, saved))
    return ConversationHandler.END


async def photo_sent(update: Update, context: KiosContext) -> Step:
    """A photo of the sticker: read its QR code, keep it if it is usable."""
    locale, center = await managed(update, context)
    message = update.effective_message
    if center is None or message is None or not message.photo:
        return ConversationHandler.END
    photo = await (await message.photo[-1].get_file()).download_as_bytearray()
    codes = await asyncio.to_thread(read_qr_codes, bytes(photo))
    if not codes:  # a blurred or partial photo: the manager may take another
        await say(update, t(locale, "qris.no_code"))
        return WAIT_CODE
    try:
        saved = await save_photographed_qr(context.store, center, codes)
    except InvalidQris as refused:
        await say(update, refusal_text(locale, refused))
        return ConversationHandler.END
    await say(update, saved_text(locale, saved))
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """/cancel while a sticker is awaited: nothing changes."""
    visitor = await visitor_of(update, context)
    await say(update, t(visitor.locale, "qris.cancelled"))
    return ConversationHandler.END


def refusal_text(locale: str, refused: InvalidQris) -> str:
    """One line: the code cannot be used, why, and that nothing changed."""
    return t(locale, "qris.refused", reason=plain(locale, qris_refusal_key(refused.reason)))


def saved_text(locale: str, saved: SavedQr) -> str:
    """What was kept: the merchant and city read from a QRIS, or that the payee QR is kept."""
    center = saved.center
    if saved.merchant is None:
        return t(locale, "qris.payee_saved", center=center.name)
    return t(locale, "qris.saved", center=center.name, merchant=saved.merchant, city=saved.city)


def build_qris_conversation() -> Dialog:
    """The persistent /qris dialog: a photo (or the pasted payload), then done."""
    photo: Handler = MessageHandler(filters.PHOTO, photo_sent)
    text: Handler = MessageHandler(filters.TEXT & ~filters.COMMAND, text_sent)
    return Dialog(
        entry_points=[CommandHandler("qris", begin), MessageHandler(CAPTIONED, photo_sent)],
        states={WAIT_CODE: [photo, text]},
        fallbacks=[CommandHandler("cancel", cancel)],
        name="qris",
        persistent=True,
        conversation_timeout=WAIT_TIMEOUT_S,
        allow_reentry=True,
    )
