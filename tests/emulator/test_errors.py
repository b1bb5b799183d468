"""Telegram's refusals reach PTB as the exceptions a real server would cause."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, InlineKeyboardButton
from telegram import InlineKeyboardMarkup as Markup
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter

from bot.devtools.emulator import BotApiEmulator

from .conftest import TOKEN

USER = 222
HTML = ParseMode.HTML


@contextmanager
def refused(emu: BotApiEmulator, exc_type: type[Exception], description: str) -> Iterator[None]:
    """PTB raises exc_type and the emulator's answer contained `description` verbatim.

    PTB strips "Bad Request: " and then str.capitalize()s the rest ("Button_data_invalid"),
    so the exception text is matched case-insensitively and the exact wording is checked
    in emu.errors instead.
    """
    count = len(emu.errors)
    with pytest.raises(exc_type, match="(?i)" + re.escape(description.split(": ", 1)[-1])):
        yield
    assert len(emu.errors) == count + 1
    assert description in emu.errors[-1].description, emu.errors[-1]


@pytest.mark.parametrize(
    ("text", "description"),
    [
        (
            "<b>x",
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag",
        ),
        ("a < b", 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Bad Request: can\'t parse entities: Unescaped "&" at byte offset 4'),
        ("x" * 4097, "Bad Request: message is too long"),
        (" \n ", "Bad Request: message text is empty"),
    ],
)
async def test_bad_text(emu: BotApiEmulator, bot: Bot, text: str, description: str) -> None:
    """Malformed or oversized HTML text is refused with Telegram's description."""
    with refused(emu, BadRequest, description):
        await bot.send_message(USER, text, parse_mode=HTML)
    assert emu.errors[-1].method == "sendMessage"
    assert emu.messages(USER) == []


async def test_limits_count_utf16(emu: BotApiEmulator, bot: Bot) -> None:
    """4096 UTF-16 units pass; an emoji counts twice, and tags do not count."""
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode=HTML)
    with refused(emu, BadRequest, "Bad Request: message is too long"):
        await bot.send_message(USER, "😀" * 2049)
    with refused(emu, BadRequest, "Bad Request: message caption is too long"):
        await bot.send_photo(USER, b"img", caption="c" * 1025)


async def test_bad_buttons(emu: BotApiEmulator, bot: Bot) -> None:
    """Callback data is limited to 64 UTF-8 bytes."""
    too_long = Markup([[InlineKeyboardButton("x", callback_data="é" * 33)]])  # 66 bytes
    with refused(emu, BadRequest, "Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "hi", reply_markup=too_long)
    fine = Markup([[InlineKeyboardButton("x", callback_data="d" * 64)]])
    await bot.send_message(USER, "hi", reply_markup=fine)


async def test_identical_edit_not_modified(emu: BotApiEmulator, bot: Bot) -> None:
    """Editing to the same text and markup gives "message is not modified"."""
    markup = Markup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(USER, "<b>Menu</b>", parse_mode=HTML, reply_markup=markup)
    not_modified = (
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message"
    )
    with refused(emu, BadRequest, not_modified):
        await sent.edit_text("<strong>Menu</strong>", parse_mode=HTML, reply_markup=markup)
    assert [(e.method, e.params["text"]) for e in emu.not_modified] == [
        ("editMessageText", "<strong>Menu</strong>")
    ]
    await sent.edit_reply_markup(None)
    assert emu.last_message(USER).buttons == [] and emu.last_message(USER).edited == 1
    with refused(emu, BadRequest, "Bad Request: message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)
    await sent.delete()
    assert emu.messages(USER)[0].deleted
    assert len(emu.not_modified) == 1  # refused edits of another kind are not counted
    with refused(emu, BadRequest, "Bad Request: message to edit not found"):
        await sent.edit_text("again")


async def test_blocked_chat_forbidden(emu: BotApiEmulator, bot: Bot) -> None:
    """After block(), sends answer 403; after unblock() they work again."""
    emu.block(USER)
    with refused(emu, Forbidden, "Forbidden: bot was blocked by the user"):
        await bot.send_message(USER, "hi")
    emu.unblock(USER)
    await bot.send_message(USER, "hi")
    with refused(emu, BadRequest, "Bad Request: chat not found"):
        await bot.send_message(-100123, "group")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PTB's own retry_after access
async def test_rate_limit_retry_after() -> None:
    """Exceeding the per-chat rate yields RetryAfter with a whole-second delay."""
    async with (
        BotApiEmulator(per_chat_rate_per_s=0.1) as emu,  # slow refill: no timing flakes
        Bot(TOKEN, base_url=f"{emu.url}/bot") as bot,
    ):
        await bot.send_message(USER, "one")
        await bot.send_message(USER + 1, "other chat is fine")
        with pytest.raises(RetryAfter, match=r"Retry in \d+ seconds"):  # PTB's own wording
            await bot.send_message(USER, "two")
        await bot.send_chat_action(USER, "typing")  # chat actions are not limited
    assert emu.stats.rate_limited == 1
    error = emu.errors[-1]
    assert error.error_code == 429
    assert 1 <= int(error.description.removeprefix("Too Many Requests: retry after ")) <= 10
    assert emu.chat_actions(USER) == ["typing"]
    assert [m.text for m in emu.messages(USER)] == ["one"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # PTB's own retry_after access
async def test_global_rate_limit() -> None:
    """The global bucket spans chats."""
    async with (
        BotApiEmulator(global_rate_per_s=0.1, rate_burst=2) as emu,
        Bot(TOKEN, base_url=f"{emu.url}/bot") as bot,
    ):
        await bot.send_message(1, "a")
        await bot.send_message(2, "b")
        with pytest.raises(RetryAfter):
            await bot.send_message(3, "c")
    assert emu.stats.rate_limited == 1


async def test_fixed_token_and_unknown_method() -> None:
    """A wrong token is 401 (PTB: InvalidToken); an unknown method 404 (EndPointNotFound)."""
    async with BotApiEmulator(token=TOKEN) as emu:
        async with Bot(TOKEN, base_url=f"{emu.url}/bot") as bot:
            assert (await bot.get_me()).id == 123
            with pytest.raises(EndPointNotFound):
                await bot.do_api_request("sendTelepathy", {})
        wrong = Bot("999:XYZ", base_url=f"{emu.url}/bot")
        with pytest.raises(InvalidToken):
            await wrong.initialize()
        await wrong.shutdown()
    assert [(e.error_code, e.description) for e in emu.errors] == [
        (404, "Not Found"),
        (401, "Unauthorized"),
    ]


async def test_commands_per_scope(emu: BotApiEmulator, bot: Bot) -> None:
    """Command lists are stored per scope and language; clients resolve the most specific."""
    await bot.set_my_commands([BotCommand("start", "Mulai")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    chat_scope = BotCommandScopeChat(USER)
    with refused(emu, BadRequest, "Bad Request: chat not found"):  # USER never wrote yet
        await bot.set_my_commands([BotCommand("admin", "Panel")], scope=chat_scope)
    emu.send_text(USER, "/start")
    await bot.set_my_commands([BotCommand("admin", "Panel")], scope=chat_scope)
    assert emu.commands() == [("start", "Mulai")]
    assert emu.commands("chat", USER) == [("admin", "Panel")]
    assert emu.visible_commands(USER) == [("admin", "Panel")]
    assert emu.visible_commands(USER + 1, "en") == [("start", "Start")]
    assert [c.command for c in await bot.get_my_commands(scope=chat_scope)] == ["admin"]
    await bot.delete_my_commands(scope=chat_scope)
    assert emu.visible_commands(USER) == [("start", "Mulai")]
    emu.user(USER + 2, "Sari")
    emu.opened_before(USER + 2)  # wrote to the bot in an earlier run: no new update
    await bot.set_my_commands([BotCommand("queue", "Antrean")], scope=BotCommandScopeChat(USER + 2))
    assert emu.visible_commands(USER + 2) == [("queue", "Antrean")]
    with refused(emu, BadRequest, "Bad Request: BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("bad-command", "x")])


async def test_answer_unknown_callback_query(emu: BotApiEmulator, bot: Bot) -> None:
    """An unknown or already answered query id is refused like an expired one."""
    with refused(emu, BadRequest, "Bad Request: query is too old and response timeout"):
        await bot.answer_callback_query("12345")
