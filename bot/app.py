"""Application wiring: one function builds the Application and registers every handler."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import FloodLimit, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    TypeHandler,
)

from bot.config import Settings
from bot.context import SERVICES_KEY, KiosContext, Services
from bot.domain.flood import FloodGate
from bot.domain.leases import Lease
from bot.services.order_expiry import expire_unapproved_orders
from bot.services.quotes import expire_quotes
from bot.services.retention import forget_old_data
from bot.services.search_cache import SearchCache
from bot.transport.broadcaster import BROADCASTER_KEY, Broadcaster
from bot.transport.file_sender import FileSender
from bot.transport.inbox_gate import InboxGate, bot_id_of
from bot.transport.outbox_sender import OutboxSender
from bot.transport.send_budget import SendBudget
from bot.transport.update_order import PerUserOrder
from bot.transport.wire import BotRequest, UpdatesRequest
from bot.views.menus import set_manager_menu, set_villager_menus
from handlers.ask import build_question_conversation, build_question_handlers
from handlers.bill import build_bill_conversation
from handlers.broadcast import build_broadcast_conversation, build_broadcast_handlers
from handlers.cart import build_cart_handlers
from handlers.catalog import build_catalog_handlers
from handlers.center_qr import build_qris_conversation
from handlers.centers import build_centers_handlers
from handlers.checkout import build_checkout_conversation, build_stale_checkout_handler
from handlers.common import build_not_understood_handler, private_messages_only, unknown_button
from handlers.desk_center import build_desk_center_handlers
from handlers.dialogs import Dialog, forget_abandoned_drafts, save_dialogs
from handlers.errors import on_error
from handlers.flood import hold_back_floods
from handlers.mute import build_mute_handlers
from handlers.new_center import build_new_center_conversation
from handlers.onboarding import build_onboarding_handlers
from handlers.operator import set_admin_menus
from handlers.orders import build_orders_handlers
from handlers.pay import build_pay_handlers
from handlers.payments import build_payment_handlers
from handlers.poster import build_poster_handlers
from handlers.product import build_product_conversation
from handlers.product_card import build_product_card_handlers
from handlers.queue import build_queue_handlers
from handlers.reports import build_report_handlers
from handlers.request_actions import build_option_handlers, build_request_conversation
from handlers.role_commands import managers_commands_for_managers
from handlers.sell import build_sell_conversation
from handlers.shop import build_shop_handlers, build_typed_text_handler
from handlers.staff import build_staff_handlers
from handlers.staff_gate import refuse_staff
from handlers.tab import build_tab_handlers
from handlers.tab_payment import build_tab_payment_conversation
from handlers.tabs import build_tabs_handlers
from handlers.topup import build_topup_conversation
from handlers.travel import build_travel_conversation
from storage import Storage
from storage.persistence import DEFAULT_BOT_KEY, DatabasePersistence

log = logging.getLogger(__name__)

KiosApplication = Application[Any, KiosContext, dict[str, Any], dict[str, Any], dict[str, Any], Any]
SENDER_KEY = "outbox_sender"
INBOX_KEY = "inbox_gate"
GATE_GROUP = -4
FLOOD_GROUP = -3
STAFF_GROUP = -2
ROLE_GROUP = -1
# Runs after every other group: writes dialog state to the database right away.
FLUSH_GROUP = 100


async def flush_persistence(update: Update, context: KiosContext) -> None:
    """Persist dialog states now, in one transaction, so a crash loses at most this reply.

    The user's dialog data goes with the step (PTB would queue it only after this handler),
    and the transaction marks the update handled in the inbox unless a write did already: a
    step replayed after a kill is one whose state was not saved (storage/update_claim.py).
    A busy database keeps them queued for the next flush: the step itself went through.
    """
    if update.effective_user is not None:
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    await save_dialogs(context.application)


def overall_rate(settings: Settings) -> float:
    """PTB's overall limit: Telegram's 30 a second, or the broadcast rate if that is higher."""
    # The broadcaster paces itself; this limiter must not hold it below the configured rate.
    return max(float(FloodLimit.MESSAGES_PER_SECOND), settings.broadcast_rate_per_s)


@dataclass(frozen=True)
class BotSeat:
    """One bot of the deployment: its token and its id in the bots table (None: the default)."""

    token: str = field(repr=False)
    bot_id: int | None = None


def build_application(
    settings: Settings, store: Storage, seat: BotSeat | None = None
) -> KiosApplication:
    """Build one bot around an open store (the default bot of BOT_TOKEN unless `seat` names
    another); handlers are registered in the order they match."""
    seat = seat or BotSeat(settings.bot_token)
    defaults = Defaults(
        parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
    )
    # Each update is stored before Telegram is told it arrived, and handled once.
    gate = InboxGate(store.inbox, bot_id_of(seat.token))
    app: KiosApplication = (
        ApplicationBuilder()
        .token(seat.token)
        .base_url(settings.bot_base_url)
        .base_file_url(settings.file_base_url)
        .request(BotRequest())  # aiohttp, lighter than PTB's HTTPX; answers without echoes
        .get_updates_request(UpdatesRequest(gate))  # into the inbox; no lone surrogates
        .defaults(defaults)
        .context_types(ContextTypes(context=KiosContext))
        # Each bot its own dialogs: one person's dialog with bot A is not bot B's.
        .persistence(DatabasePersistence(store.db, seat.bot_id or DEFAULT_BOT_KEY))
        # Users at once, each user's updates in order, each update handled once.
        .concurrent_updates(PerUserOrder(gate=gate))
        # One budget for every send of this bot: replies first, then cards, then announcements.
        .rate_limiter(
            SendBudget(overall_rate(settings), chat_rate_per_s=settings.outbox_chat_rate_per_s)
        )
        .build()
    )
    flood = FloodGate(settings.flood_burst, settings.flood_per_minute)
    app.bot_data[INBOX_KEY] = gate
    app.bot_data[SERVICES_KEY] = Services(
        settings=settings, store=store, search=SearchCache(store), flood=flood, bot_id=seat.bot_id
    )
    app.bot_data[SERVICES_KEY].peers[seat.bot_id] = app.bot
    files = FileSender(app.bot, seat.bot_id, store, settings.bot_token)
    app.bot_data[SERVICES_KEY].files = files
    # Before everything: only private chats and new messages go on.
    app.add_handler(TypeHandler(Update, private_messages_only), group=GATE_GROUP)
    # Then: one user writing faster than a person does is slowed down, told once.
    app.add_handler(TypeHandler(Update, hold_back_floods), group=FLOOD_GROUP)
    # Then: the manager's own commands from someone working as staff are refused, once.
    app.add_handler(TypeHandler(Update, refuse_staff), group=STAFF_GROUP)
    # Then: a manager's command from a villager is an unknown command to them, in any step.
    app.add_handler(TypeHandler(Update, managers_commands_for_managers), group=ROLE_GROUP)
    # Dialogs first: while one is open, its steps see the user's text and presses before
    # the general handlers below.
    app.add_handler(build_checkout_conversation())
    app.add_handler(build_topup_conversation())
    app.add_handler(build_bill_conversation())
    app.add_handler(build_travel_conversation())
    app.add_handler(build_request_conversation())
    app.add_handler(build_broadcast_conversation())
    app.add_handler(build_new_center_conversation())
    # /qris: the manager's photo of the center's QRIS sticker (captioned /qris, or after it).
    app.add_handler(build_qris_conversation())
    # Ask the manager: /ask or Reply starts the dialog; Close is a plain press at any time.
    app.add_handler(build_question_conversation())
    app.add_handlers(build_question_handlers())
    app.add_handler(build_sell_conversation())  # /sell: a villager's produce offer
    # The manager's catalog: the /product dialog (with the dialogs), then a CSV file sent,
    # /catalog, /stock and /price (plain commands).
    app.add_handler(build_product_conversation())
    app.add_handlers(build_catalog_handlers())
    # The kasbon book: a repayment from /tabs is a dialog (amount, then cash or QRIS).
    app.add_handler(build_tab_payment_conversation())
    app.add_handlers(build_onboarding_handlers())
    app.add_handlers(build_shop_handlers())
    app.add_handlers(build_product_card_handlers())
    app.add_handlers(build_cart_handlers())
    app.add_handlers(build_orders_handlers())
    # /pay N and the Pay button: the QR code to pay an approved request.
    app.add_handlers(build_pay_handlers())
    app.add_handlers(build_option_handlers())
    app.add_handlers(build_payment_handlers())  # Paid cash / QRIS / On credit on a card
    app.add_handlers(build_queue_handlers())
    # /staff and /myid (the manager's helpers), /center (which center one works on).
    app.add_handlers(build_staff_handlers())
    app.add_handlers(build_desk_center_handlers())
    # /broadcasts, and Send/Cancel of an announcement pressed outside its dialog.
    app.add_handlers(build_broadcast_handlers())
    # /mute, /unmute for villagers and /poster for managers: plain commands, no dialog.
    app.add_handlers(build_mute_handlers())
    app.add_handlers(build_poster_handlers())
    # /today, /report and /export: the manager's figures, plain commands.
    app.add_handlers(build_report_handlers())
    # The kasbon book: /tab and /reminders for villagers, /tabs, Remind and /credit for managers.
    app.add_handlers(build_tab_handlers())
    app.add_handlers(build_tabs_handlers())
    # The operator's /centers and /setmanager (each checks ADMIN_IDS itself).
    app.add_handlers(build_centers_handlers())
    app.add_handler(build_stale_checkout_handler())
    # Any other press (forged or outdated data) is still answered, so no spinner is left.
    app.add_handler(CallbackQueryHandler(unknown_button))
    # Last: plain text is a search (or a center search before joining one).
    app.add_handler(build_typed_text_handler())
    # Any other message (a sticker, a photo between steps, an unknown command) gets an answer.
    app.add_handler(build_not_understood_handler())
    app.add_handler(TypeHandler(Update, flush_persistence), group=FLUSH_GROUP)
    for handler in app.handlers[0]:
        if isinstance(handler, Dialog):  # each dialog reads which one the user started last
            handler.attach(app)
    app.add_error_handler(on_error)
    return app


async def expiry_job(context: KiosContext) -> None:
    """Cancel unanswered quotes and unapproved goods orders whose time ran out, telling both
    sides (an order's stock goes back on the shelf)."""
    await expire_quotes(context.store)
    await expire_unapproved_orders(context.store)


async def drafts_job(context: KiosContext) -> None:
    """Forget the drafts of this bot's dialogs abandoned while it was down (a bot besides the
    default one: the default bot's retention job does the rest for all)."""
    drafts = await forget_abandoned_drafts(context.application)
    if drafts:
        log.info("retention: forgot %d abandoned drafts of @%s", drafts, context.bot.username)


async def retention_job(context: KiosContext) -> None:
    """Forget what the bot keeps no longer (docs/privacy.md): ID numbers of closed requests,
    old outbox messages, drafts of dialogs abandoned while the bot was down."""
    forgotten = await forget_old_data(context.store, context.settings.outbox_keep_days)
    drafts = await forget_abandoned_drafts(context.application)
    if any((forgotten.id_numbers, forgotten.cards, forgotten.messages, forgotten.updates, drafts)):
        log.info(
            "retention: forgot ID numbers of %d closed requests and %d sent cards, "
            "%d old messages, %d abandoned drafts, %d handled updates",
            forgotten.id_numbers,
            forgotten.cards,
            forgotten.messages,
            drafts,
            forgotten.updates,
        )


async def replay_inbox(app: KiosApplication) -> None:
    """Queue the updates a killed process stored but never handled, before polling begins
    (the update processor keeps each user's order)."""
    gate: InboxGate = app.bot_data[INBOX_KEY]
    for update in await gate.replay(app.bot):
        await app.update_queue.put(update)


async def start_services(app: KiosApplication, fence: Lease | None = None) -> None:
    """Set the command menus, start delivering this bot's outbox and broadcasts, and its jobs.

    `fence`: this process's lease of the bot (PostgreSQL, several processes): the outbox and
    the broadcasts are sent only while it is current.
    """
    services: Services = app.bot_data[SERVICES_KEY]
    await set_villager_menus(app.bot)
    # A manager's menu in the bot of their center; the operators' in every bot.
    for center in await services.store.centers.of_bot(services.bot_id):
        try:
            await set_manager_menu(app.bot, center.manager_id, center.language)
        except TelegramError as exc:  # e.g. the manager never opened the bot: set on /start
            # Expected until their first /start (doctor says so): no warning at every start.
            log.debug("no menu for the manager of %s yet: %s", center.code, exc)
    # After the managers': an operator who also manages gets both menus in one.
    await set_admin_menus(app.bot, services.store, services.settings, services.bot_id)
    settings = services.settings
    sender = OutboxSender(
        app.bot,
        services.store,
        settings.outbox_poll_seconds,
        settings.outbox_chat_rate_per_s,
        services.shown_cards,
        bot_id=services.bot_id,
        fence=fence,
        files=services.files,
    )
    sender.start()
    app.bot_data[SENDER_KEY] = sender
    schedule_jobs(app, services)
    # Broadcasts a restart interrupted go on from where they were.
    broadcaster = Broadcaster(
        app.bot,
        services.store,
        settings.broadcast_rate_per_s,
        bot_id=services.bot_id,
        fence=fence,
        files=services.files,
    )
    broadcaster.start()
    app.bot_data[BROADCASTER_KEY] = broadcaster


def schedule_jobs(app: KiosApplication, services: Services) -> None:
    """The repeating jobs: those acting on every center run in the default bot alone."""
    settings = services.settings
    assert app.job_queue is not None
    if services.bot_id is not None:  # its own drafts; the default bot's retention does the rest
        app.job_queue.run_repeating(
            drafts_job, interval=settings.retention_check_seconds, first=2.0
        )
        return
    # Quotes and unapproved orders expire by what the database says, so expiry survives
    # restarts; their news goes out through each center's bot.
    app.job_queue.run_repeating(expiry_job, interval=settings.quote_check_seconds, first=1.0)
    # The retention rule runs soon after a start too: drafts left while the bot was down.
    app.job_queue.run_repeating(retention_job, interval=settings.retention_check_seconds, first=2.0)


async def stop_services(app: KiosApplication) -> None:
    """Stop the outbox sender and the broadcaster; what they did not send waits in the database."""
    sender: OutboxSender | None = app.bot_data.get(SENDER_KEY)
    if sender is not None:
        await sender.stop()
    broadcaster: Broadcaster | None = app.bot_data.get(BROADCASTER_KEY)
    if broadcaster is not None:
        await broadcaster.stop()
    # Jobs scheduled anew at the next start (a bot given back may be taken again).
    if app.job_queue is not None:
        for job in app.job_queue.jobs():
            job.schedule_removal()
