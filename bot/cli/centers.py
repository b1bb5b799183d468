"""`kiosdesa center`: create, list and change centers."""

from __future__ import annotations

import argparse
import os

from bot.cli.bots import DEFAULT_BOT, bot_id_named, name_arg, who_is
from bot.cli.common import CODE_HELP, CliError, center_by_code, code_arg, with_store
from bot.domain.errors import DuplicateCenter, RecordNotFound
from bot.domain.money import SUPPORTED_CURRENCIES, Money, MoneyError, format_money
from bot.domain.qris import InvalidQris
from bot.domain.tabs import parse_credit_limit
from bot.services.center_move import move_center
from bot.services.handover import hand_over
from bot.services.qr_payment import save_center_qr
from bot.services.staffing import StaffRefusal, add_helper, remove_helper
from bot.views.labels import qris_refusal_key
from bot.views.poster import deep_link
from bot.views.texts import LOCALES, plain
from storage import Storage

# The operator reads the terminal in English, as the other commands write it.
OPERATOR_LOCALE = "en"


def add_center_commands(parser: argparse.ArgumentParser) -> None:
    """center add | list | set-places | set-quote-hours | set-credit | set-manager | set-qris |
    add-staff | remove-staff | staff | set-bot."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="create a center")
    add.add_argument("code", type=code_arg, help="join code, used in the deep link /start CODE")
    add.add_argument("--name", required=True, help="the center's name as villagers know it")
    add.add_argument("--manager", required=True, type=int, help="the manager's Telegram user id")
    add.add_argument("--currency", default="IDR", choices=SUPPORTED_CURRENCIES)
    add.add_argument(
        "--language", default="id", choices=LOCALES, help="default language of its villagers"
    )
    add.add_argument("--lat", type=float, help="the center's latitude (needed for delivery)")
    add.add_argument("--lon", type=float, help="the center's longitude (needed for delivery)")
    add.add_argument("--radius-km", type=float, default=3.0, help="delivery radius (default 3)")
    add.add_argument(
        "--quote-hours",
        type=float,
        default=24.0,
        help="how long a quoted price waits for the villager's answer (default 24)",
    )
    add.add_argument(
        "--bot", type=name_arg, default=DEFAULT_BOT, help="the bot its villagers talk to"
    )
    sub.add_parser("list", help="list every center")
    places = sub.add_parser("set-places", help="the places its villagers travel to (tickets)")
    places.add_argument("code", type=code_arg, help=CODE_HELP)
    places.add_argument("places", help='comma-separated, e.g. "Solo,Terminal Tirtonadi,Klaten"')
    ttl = sub.add_parser("set-quote-hours", help="how long the center's quotes wait for an answer")
    ttl.add_argument("code", type=code_arg, help=CODE_HELP)
    ttl.add_argument(
        "hours", type=float, help="hours, from 0.02 (a minute) to 720 (30 days), e.g. 24 or 0.5"
    )
    credit = sub.add_parser("set-credit", help="what one villager may owe the center on credit")
    credit.add_argument("code", type=code_arg, help=CODE_HELP)
    credit.add_argument("amount", help="e.g. 200000 or 200rb; 0 or off: no credit")
    manager = sub.add_parser("set-manager", help="give a center to another manager")
    manager.add_argument("code", type=code_arg, help=CODE_HELP)
    manager.add_argument("manager", type=int, help="the new manager's Telegram user id")
    qris = sub.add_parser(
        "set-qris", help="the center's static QRIS payload (a CNY center: its payee QR's text)"
    )
    qris.add_argument("code", type=code_arg, help=CODE_HELP)
    qris.add_argument("payload", help="the text of the QR code on the center's sticker")
    for action, what in (
        ("add-staff", "add a helper to"),
        ("remove-staff", "remove a helper from"),
    ):
        staff = sub.add_parser(action, help=f"{what} a center's staff (by Telegram user id)")
        staff.add_argument("code", type=code_arg, help=CODE_HELP)
        staff.add_argument("user_id", type=int, help="the helper's Telegram user id")
    listed = sub.add_parser("staff", help="list a center's staff")
    listed.add_argument("code", type=code_arg, help=CODE_HELP)
    bot = sub.add_parser("set-bot", help="the bot the center's villagers talk to")
    bot.add_argument("code", type=code_arg, help=CODE_HELP)
    bot.add_argument("bot", type=name_arg, help=f"a bot of `kiosdesa bot list`, or {DEFAULT_BOT}")


async def cmd_center(args: argparse.Namespace) -> int:
    """center add | list | set-manager."""
    return await with_store(lambda store: _center(store, args))


async def _center(store: Storage, args: argparse.Namespace) -> int:
    if args.action == "add":
        _check_location(args)
        bot_id = await bot_id_named(store, args.bot)
        try:
            center = await store.centers.add_center(
                args.code,
                args.name,
                args.manager,
                currency=args.currency,
                language=args.language,
                lat=args.lat,
                lon=args.lon,
                radius_km=args.radius_km,
                quote_ttl_s=quote_seconds(args.quote_hours),
                bot_id=bot_id,
            )
        except DuplicateCenter as exc:
            raise CliError(f"a center with code {exc} exists already") from exc
        print(f"created center {center.code} ({center.name}), manager {center.manager_id}")
    elif args.action == "list":
        await _list(store)
    elif args.action == "set-places":
        names = [" ".join(name.split())[:60] for name in args.places.split(",")]
        try:
            center = await store.centers.set_places(args.code, [name for name in names if name])
        except RecordNotFound as exc:
            raise CliError(f"no center with code {args.code}") from exc
        print(f"{center.code} lists {len(center.places)} places: {', '.join(center.places)}")
    elif args.action == "set-quote-hours":
        try:
            center = await store.centers.set_quote_ttl(args.code, quote_seconds(args.hours))
        except RecordNotFound as exc:
            raise CliError(f"no center with code {args.code}") from exc
        print(f"quotes of {center.code} now wait {center.quote_ttl_s / 3600:g} hours for an answer")
    elif args.action == "set-qris":
        await set_qris(store, args.code, args.payload)
    elif args.action == "set-credit":
        await _set_credit(store, args.code, args.amount)
    elif args.action in ("add-staff", "remove-staff", "staff"):
        await _staff(store, args)
    elif args.action == "set-bot":
        await _set_bot(store, args.code, args.bot)
    else:
        try:
            center = (await hand_over(store, args.code, args.manager)).after
        except RecordNotFound as exc:
            raise CliError(f"no center with code {args.code}") from exc
        print(f"center {center.code} is now managed by {center.manager_id}")
    return 0


async def _list(store: Storage) -> None:
    """One line a center; a center of another bot than the default one names it last."""
    names = {bot.id: bot.name for bot in await store.bots.all_bots()}
    centers = await store.centers.all_centers()
    if not centers:
        print("no centers yet: add one with kiosdesa center add CODE --name NAME --manager ID")
    for c in centers:
        where = f"{c.lat},{c.lon} r={c.radius_km:g}km" if c.has_location else "no location"
        line = f"{c.code}\t{c.name}\tmanager={c.manager_id}\t{c.currency}\t{c.language}\t{where}"
        print(line if c.bot_id is None else f"{line}\tbot={names.get(c.bot_id, c.bot_id)}")


async def set_qris(store: Storage, code: str, payload: str) -> None:
    """Keep the center's QRIS (or payee QR), or say in one line why it cannot be used."""
    center = await center_by_code(store, code)
    try:
        saved = await save_center_qr(store, center, payload)
    except InvalidQris as exc:
        reason = plain(OPERATOR_LOCALE, qris_refusal_key(exc.reason))
        raise CliError(f"QRIS refused, nothing changed: {reason}") from exc
    if saved.merchant is None:
        print(f"{center.code} keeps its payee QR: {len(payload.strip())} characters")
    else:
        print(f"{center.code} takes QRIS: {saved.merchant}, {saved.city}")


async def _set_bot(store: Storage, code: str, name: str) -> None:
    """Give the center to another bot, and say the link its villagers join it with.

    A bot cannot write first to someone who never opened it: the villagers need the link. The
    bot the center leaves tells each of them once, through the outbox (`kiosdesa run` sends it).
    """
    bot_id = await bot_id_named(store, name)
    username = await _username_of(store, bot_id)
    try:
        move = await move_center(store, code, bot_id, username)
    except RecordNotFound as exc:
        raise CliError(f"no center with code {code}") from exc
    center = move.after
    if move.before.bot_id == bot_id:
        print(f"{center.code} is served by bot {name} already: nothing changed")
        return
    bot = "the default bot (BOT_TOKEN)" if bot_id is None else f"bot {name}"
    if username is None:  # the default bot, with Telegram out of reach
        print(f"villagers of {center.code} now talk to {bot}: its @username is unknown here,")
        print(f"so nobody was told; share https://t.me/USERNAME?start={center.code} yourself")
        return
    link = deep_link(username, center.code)
    print(f"villagers of {center.code} now talk to {bot} (@{username}): share {link}")
    print(
        f"the bot it left sends {len(move.told)} of its people this link (while `kiosdesa run`"
        " runs); the new bot can write to nobody who has not opened it: put up the new /poster"
    )


async def _username_of(store: Storage, bot_id: int | None) -> str | None:
    """The bot's @username: the default bot's asked of Telegram (None if it cannot be)."""
    if bot_id is not None:
        return (await store.bots.get(bot_id)).username
    token = os.environ.get("BOT_TOKEN", "").strip()
    if not token:
        return None
    try:
        return (await who_is(token))[1]
    except CliError:
        return None


async def _set_credit(store: Storage, code: str, typed: str) -> None:
    """Set a center's credit limit per villager (0 or off: no credit) and say what it is now."""
    try:
        center = await store.centers.by_code(code)
    except RecordNotFound as exc:
        raise CliError(f"no center with code {code}") from exc
    try:
        limit = parse_credit_limit(typed, center.currency)
    except MoneyError as exc:
        raise CliError(
            f"{typed!r} is not a credit limit ({exc}): e.g. 200000, 200rb or off"
        ) from exc
    await store.tabs.set_credit_limit(center.id, limit)
    if limit == 0:
        print(f"credit is off at {center.code}")
    else:
        shown = format_money(Money(limit, center.currency), "en")
        print(f"villagers of {center.code} may owe up to {shown} each on credit")


async def _staff(store: Storage, args: argparse.Namespace) -> None:
    """center add-staff | remove-staff | staff: a center's helpers."""
    try:
        center = await store.centers.by_code(args.code)
    except RecordNotFound as exc:
        raise CliError(f"no center with code {args.code}") from exc
    if args.action == "staff":
        members = await store.staff.members(center.id)
        for member in members:
            print(f"{member.user_id}\t{member.name or '(has not opened the bot yet)'}")
        if not members:
            print(f"{center.code} has no staff")
        return
    if not 0 < args.user_id < 2**53:
        raise CliError("a Telegram user id is a positive number")
    if args.action == "add-staff":
        refused = await add_helper(store, center, args.user_id, None)
        if refused is StaffRefusal.IS_MANAGER:
            raise CliError(f"{args.user_id} manages {center.code}; a manager is not staff")
        if refused is StaffRefusal.ALREADY:
            raise CliError(f"{args.user_id} already helps at {center.code}")
        print(f"{args.user_id} now helps at {center.code}")
        return
    if await remove_helper(store, center, args.user_id) is not None:
        raise CliError(f"{args.user_id} is not on the staff of {center.code}")
    print(f"{args.user_id} no longer helps at {center.code}")


def quote_seconds(hours: float) -> int:
    """Quote lifetime in seconds: from a minute to 30 days."""
    if not 1 / 60 <= hours <= 720:
        raise CliError("quote hours must be from 0.02 (a minute) to 720 (30 days)")
    return round(hours * 3600)


def _check_location(args: argparse.Namespace) -> None:
    if (args.lat is None) != (args.lon is None):
        raise CliError("give both --lat and --lon, or neither")
    if args.lat is not None and not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        raise CliError("--lat must be within -90..90 and --lon within -180..180")
    if not 0 < args.radius_km <= 100:
        raise CliError("--radius-km must be more than 0 and at most 100")
