"""The manager keeps the catalog from the chat: a CSV file imports, /catalog exports,
/stock SKU N and /price SKU AMOUNT change one product.

The file is read exactly as `kiosdesa catalog import` reads it: all or nothing, every bad
line named. Villagers who send a file are told the bot reads text, not files.
"""

from __future__ import annotations

from telegram import Document, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import KiosContext
from bot.domain.catalog_chat import (
    UNTRACKED,
    BadNumber,
    UploadProblem,
    parse_price,
    parse_stock,
    upload_problem,
    upload_text,
)
from bot.domain.catalog_csv import export_catalog_csv, is_produce_sku, parse_catalog_csv
from bot.domain.entities import Center, Product
from bot.domain.money import format_money, minor_digits
from bot.domain.sheet import SheetError
from bot.views.amount_texts import refusal_after
from bot.views.labels import upload_refusal_key
from bot.views.sheet_texts import rejected_text
from bot.views.texts import Html, counted, h, short, t
from handlers.common import say, visitor_of


async def document_received(update: Update, context: KiosContext) -> None:
    """A file: a manager's catalog CSV is imported; anyone else is told what the bot reads."""
    visitor = await visitor_of(update, context)
    message = update.effective_message
    assert message is not None and message.document is not None
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "catalog.file_not_manager"))
        return
    document = message.document
    problem = upload_problem(document.file_name, document.mime_type, document.file_size)
    text = await download(document) if problem is None else problem
    if isinstance(text, UploadProblem):
        await refuse_file(update, visitor.locale, text)
        return
    await import_text(update, context, visitor.locale, center, text)


async def download(document: Document) -> str | UploadProblem:
    """The document's text, or why it cannot be read (a failed download counts as unreadable)."""
    try:
        data = await (await document.get_file()).download_as_bytearray()
    except TelegramError:
        return UploadProblem.NOT_CSV
    return upload_text(bytes(data))


async def refuse_file(update: Update, locale: str, problem: UploadProblem) -> None:
    """Say why the file was not read, and how to send one that is."""
    await say(update, t(locale, upload_refusal_key(problem)))


async def import_text(
    update: Update, context: KiosContext, locale: str, center: Center, text: str
) -> None:
    """Import every row, or name every bad line and store nothing."""
    try:
        rows = parse_catalog_csv(text, center.currency)
    except SheetError as exc:
        await say(update, rejected_text(locale, exc.errors))
        return
    result = await context.store.catalog.import_rows(center.id, rows)
    await say(
        update,
        t(
            locale,
            "catalog.imported",
            center=center.name,
            products=counted(locale, "plural.products", len(rows)),
            added=result.added,
            updated=result.updated,
        ),
    )


async def export(update: Update, context: KiosContext) -> None:
    """/catalog: the center's catalog as a CSV file, in the import format."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    chat = update.effective_chat
    if center is None or chat is None:
        await say(update, t(visitor.locale, "catalog.not_manager"))
        return
    rows = await context.store.catalog.export_rows(center.id, center.currency)
    # With a byte-order mark, spreadsheets open the file as UTF-8; the import drops it.
    data = export_catalog_csv(rows).encode("utf-8-sig")
    await chat.send_document(
        data,
        filename=f"catalog-{center.code}.csv",
        caption=t(
            visitor.locale,
            "catalog.exported",
            center=center.name,
            products=counted(visitor.locale, "plural.products", len(rows)),
        ),
    )


def stock_args(args: list[str]) -> tuple[str, int | None] | None:
    """(sku, stock) from "/stock SKU N", or None when the arguments are not that."""
    if len(args) != 2:
        return None
    try:
        return args[0], parse_stock(args[1])
    except BadNumber:
        return None


async def set_stock(update: Update, context: KiosContext) -> None:
    """/stock SKU N (or "-" to stop counting): change one product's stock."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "catalog.not_manager"))
        return
    wanted = stock_args(context.args or [])
    if wanted is None:
        await say(update, t(visitor.locale, "catalog.stock_usage", untracked=UNTRACKED))
        return
    sku, stock = wanted
    if is_produce_sku(sku):
        await say(update, t(visitor.locale, "catalog.produce_sku", sku=short(sku)))
        return
    product = await context.store.catalog_edits.set_stock(center.id, sku, stock)
    await changed(update, visitor.locale, sku, product)


async def set_price(update: Update, context: KiosContext) -> None:
    """/price SKU AMOUNT: change one product's price (in major units, as in the CSV)."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "catalog.not_manager"))
        return
    args = context.args or []
    example = "12.50" if minor_digits(center.currency) else "15000"
    why = Html("")
    try:
        price = parse_price(args[1], center.currency) if len(args) == 2 else None
    except BadNumber as bad:
        price, why = None, refusal_after(visitor.locale, bad)
    if price is None:
        await say(update, t(visitor.locale, "catalog.price_usage", example=example) + why)
        return
    if is_produce_sku(args[0]):
        await say(update, t(visitor.locale, "catalog.produce_sku", sku=short(args[0])))
        return
    product = await context.store.catalog_edits.set_price(center.id, args[0], price)
    await changed(update, visitor.locale, args[0], product)


async def changed(update: Update, locale: str, sku: str, product: Product | None) -> None:
    """Show the product as it is now, or say no product has this sku."""
    if product is None:
        await say(update, t(locale, "catalog.unknown_sku", sku=short(sku)))
        return
    stock = (
        h(locale, "catalog.stock_untracked")
        if product.stock is None
        else h(locale, "catalog.stock_count", stock=product.stock, unit=product.unit)
    )
    await say(
        update,
        t(
            locale,
            "catalog.changed",
            sku=product.sku,
            name=product.name,
            price=format_money(product.price, locale),
            unit=product.unit,
            stock=stock,
        ),
    )


def build_catalog_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """A CSV file from the manager, /catalog, /stock and /price."""
    return [
        MessageHandler(filters.Document.ALL, document_received),
        CommandHandler("catalog", export),
        CommandHandler("stock", set_stock),
        CommandHandler("price", set_price),
    ]
