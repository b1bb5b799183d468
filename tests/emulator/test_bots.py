"""Several bots in one emulator: each its own identity, chats, updates, limits; people shared."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import InvalidToken, RetryAfter

from bot.devtools.emulator import BotApiEmulator, EmulatedBot
from bot.devtools.emulator.standalone import add_bots, parse_args

LEPING_TOKEN = "111:LEPING"
SUMBER_TOKEN = "222:SUMBER"
BUDI, SITI, AGUS, DEWI = 501, 502, 503, 504


async def call(
    emu: BotApiEmulator, token: str, method: str, *, expect: int = 200, **params: Any
) -> dict[str, Any]:
    """POST a method as the bot with this token; the decoded body."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.url}/bot{token}/{method}", json=params) as response,
    ):
        body: dict[str, Any] = await response.json()
        assert response.status == expect, body
        return body


def ptb_bot(emu: BotApiEmulator, token: str) -> Bot:
    """A PTB Bot talking to the emulator with this token."""
    return Bot(token, base_url=f"{emu.url}/bot", base_file_url=f"{emu.url}/file/bot")


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """An emulator serving two village bots."""
    async with BotApiEmulator() as emulator:
        emulator.add_bot(LEPING_TOKEN, username="kios_leping_bot", name="Kios Leping")
        emulator.add_bot(SUMBER_TOKEN, username="kios_sumber_bot", name="Kios Sumber")
        yield emulator


def leping(emu: BotApiEmulator) -> EmulatedBot:
    """The first bot added, which is also the emulator's default bot."""
    return emu.bot(LEPING_TOKEN)


def sumber(emu: BotApiEmulator) -> EmulatedBot:
    """The second bot."""
    return emu.bot(SUMBER_TOKEN)


async def test_each_token_is_its_own_bot(emu: BotApiEmulator) -> None:
    """getMe answers each bot's id, @username and name; the first bot added is the default."""
    async with ptb_bot(emu, LEPING_TOKEN) as a, ptb_bot(emu, SUMBER_TOKEN) as b:
        me_a, me_b = await a.get_me(), await b.get_me()
    assert (me_a.id, me_a.username, me_a.first_name) == (111, "kios_leping_bot", "Kios Leping")
    assert (me_b.id, me_b.username, me_b.first_name) == (222, "kios_sumber_bot", "Kios Sumber")
    assert emu.default_bot is leping(emu)
    assert emu.bots == [leping(emu), sumber(emu)]


async def test_two_bots_with_two_villagers_each_keep_their_chats_apart(
    emu: BotApiEmulator,
) -> None:
    """Each bot fetches only its villagers' messages, and its replies land in its chats only."""
    for bot, people in ((leping(emu), (BUDI, SITI)), (sumber(emu), (AGUS, DEWI))):
        for person in people:
            bot.user(person, f"Warga{person}")
            bot.send_text(person, f"/start dari {person}")
    async with ptb_bot(emu, LEPING_TOKEN) as a, ptb_bot(emu, SUMBER_TOKEN) as b:
        for ptb, bot in ((a, leping(emu)), (b, sumber(emu))):
            updates = await ptb.get_updates()
            for update in updates:
                assert update.message is not None and update.message.text is not None
                await ptb.send_message(update.message.chat.id, f"{bot.name}: {update.message.text}")
    assert [m.text for m in leping(emu).messages(BUDI)] == [f"Kios Leping: /start dari {BUDI}"]
    assert [m.text for m in leping(emu).messages(SITI)] == [f"Kios Leping: /start dari {SITI}"]
    assert [m.text for m in sumber(emu).messages(AGUS)] == [f"Kios Sumber: /start dari {AGUS}"]
    assert [m.text for m in sumber(emu).messages(DEWI)] == [f"Kios Sumber: /start dari {DEWI}"]
    assert sumber(emu).messages(BUDI) == [] and leping(emu).messages(AGUS) == []
    # The emulator's own reads are the default bot's.
    assert emu.messages(BUDI) == leping(emu).messages(BUDI) and emu.messages(AGUS) == []


async def test_one_villager_talks_to_both_bots(emu: BotApiEmulator) -> None:
    """Budi is one person in both bots; each chat counts its own message ids and offsets."""
    emu.user(BUDI, "Budi", username="budi_leping")
    leping(emu).send_text(BUDI, "minyak")
    sumber(emu).send_text(BUDI, "beras")
    sumber(emu).send_text(BUDI, "gula")
    async with ptb_bot(emu, LEPING_TOKEN) as a, ptb_bot(emu, SUMBER_TOKEN) as b:
        from_a = await a.get_updates()
        from_b = await b.get_updates()
        assert [u.message.text for u in from_a if u.message] == ["minyak"]
        assert [u.message.text for u in from_b if u.message] == ["beras", "gula"]
        assert from_b[0].effective_user is not None
        assert from_b[0].effective_user.username == "budi_leping"  # the person is shared
        assert [u.message.message_id for u in from_b if u.message] == [1, 2]
        await a.get_updates(offset=from_a[-1].update_id + 1)  # Leping confirms; Sumber not yet
        assert (leping(emu).pending_updates, sumber(emu).pending_updates) == (0, 2)
        sent_a = await a.send_message(BUDI, "Minyak ada")
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Pesan", callback_data="o:1")]])
        sent_b = await b.send_message(BUDI, "Beras ada", reply_markup=keyboard)
        assert (sent_a.message_id, sent_b.message_id) == (2, 3)
        assert sent_a.from_user is not None and sent_a.from_user.username == "kios_leping_bot"
        assert sent_b.from_user is not None and sent_b.from_user.username == "kios_sumber_bot"
        query_id = sumber(emu).press(BUDI, button_text="Pesan")
        pressed = await b.get_updates(offset=from_b[-1].update_id + 1)
        assert [u.callback_query.data for u in pressed if u.callback_query] == ["o:1"]
        assert leping(emu).pending_updates == 0  # the press went to Sumber only
        await b.answer_callback_query(query_id, "Dipesan")
    answer = await sumber(emu).wait_callback_answered(query_id)
    assert answer["text"] == "Dipesan"
    assert (await leping(emu).wait_for(BUDI, contains="Minyak", after=0)).text == "Minyak ada"
    assert (await sumber(emu).wait_for(BUDI, contains="Beras", after=0)).text == "Beras ada"


async def test_an_unknown_token_is_refused_once_bots_are_added() -> None:
    """Before any bot is added any token is learnt (as before); afterwards only known ones."""
    async with BotApiEmulator() as emu:
        assert (await call(emu, "999:EARLY", "getMe"))["result"]["id"] == 999
        added = emu.add_bot(SUMBER_TOKEN, username="kios_sumber_bot")
        assert emu.default_bot.token == "999:EARLY" and added is not emu.default_bot
        assert (await call(emu, "999:EARLY", "getMe"))["result"]["username"] == "kiosdesa_bot"
        assert (await call(emu, SUMBER_TOKEN, "getMe"))["result"]["id"] == 222
        body = await call(emu, "333:STRANGER", "getMe", expect=401)
        assert body["description"] == "Unauthorized"
        with pytest.raises(InvalidToken):
            async with ptb_bot(emu, "444:OTHER"):
                pass
        async with aiohttp.ClientSession() as session:
            url = f"{emu.url}/file/bot333:STRANGER/photos/file_1.jpg"
            async with session.get(url) as response:
                assert response.status == 401
    assert [(e.method, e.error_code) for e in emu.errors] == [
        ("getMe", 401),
        ("getMe", 401),
        ("file", 401),
    ]
    assert added.errors == []


async def test_a_burst_at_one_bot_does_not_slow_the_other() -> None:
    """Each bot has its own flood limits, overall and per chat, and counts its own 429s."""
    async with BotApiEmulator(global_rate_per_s=1, rate_burst=2) as emu:
        emu.add_bot(LEPING_TOKEN)
        emu.add_bot(SUMBER_TOKEN)
        emu.add_bot("333:PUNCAK", global_rate_per_s=0, per_chat_rate_per_s=1, rate_burst=1)
        async with (
            ptb_bot(emu, LEPING_TOKEN) as a,
            ptb_bot(emu, SUMBER_TOKEN) as b,
            ptb_bot(emu, "333:PUNCAK") as c,
        ):
            await a.send_message(BUDI, "1")
            await a.send_message(SITI, "2")
            with pytest.raises(RetryAfter):
                await a.send_message(AGUS, "3")
            await b.send_message(BUDI, "1")  # Leping's burst does not touch Sumber's budget
            await b.send_message(SITI, "2")
            await c.send_message(BUDI, "1")  # Puncak: no overall limit, one a second per chat
            await c.send_message(SITI, "1")
            with pytest.raises(RetryAfter):
                await c.send_message(BUDI, "2")
    assert [bot.stats.rate_limited for bot in emu.bots] == [1, 0, 1]
    assert [bot.stats.requests["sendMessage"] for bot in emu.bots] == [3, 2, 3]
    assert [m.text for m in emu.bot(SUMBER_TOKEN).messages(BUDI)] == ["1"]


async def test_a_fixed_token_stays_the_default_bot_when_another_is_added() -> None:
    """BotApiEmulator(token=...) then add_bot: two bots, the fixed one still the default."""
    async with BotApiEmulator(token="123:ABC") as emu:
        other = emu.add_bot(SUMBER_TOKEN, name="Kios Sumber")
        assert emu.bots == [emu.default_bot, other] and emu.default_bot.id == 123
        emu.send_text(BUDI, "halo")
        assert (emu.default_bot.pending_updates, other.pending_updates) == (1, 0)
        assert other.username == "kiosdesa_222_bot" and other.name == "Kios Sumber"


def test_the_standalone_emulator_serves_the_bots_named_on_its_command_line() -> None:
    """`--bot TOKEN=USERNAME` adds bots; `--route-webhook PUBLIC=LOCAL` maps a webhook URL."""
    args = parse_args(
        [
            "--bot", f"{LEPING_TOKEN}=kios_leping_bot",
            "--bot", SUMBER_TOKEN,
            "--route-webhook", "https://kios.example/=http://127.0.0.1:9/",
        ]
    )  # fmt: skip
    emu = BotApiEmulator()
    add_bots(emu, args.bot, args.route_webhook)
    assert [(b.token, b.username) for b in emu.bots] == [
        (LEPING_TOKEN, "kios_leping_bot"),
        (SUMBER_TOKEN, "kiosdesa_222_bot"),
    ]


async def test_a_file_id_is_good_with_the_bot_that_received_it_only(emu: BotApiEmulator) -> None:
    """As in Telegram: another bot's file id is refused by sendPhoto and getFile."""
    leping(emu).user(BUDI, "Budi")
    sumber(emu).user(BUDI, "Budi")
    update = leping(emu).send_photo(BUDI, b"\xff\xd8 a sack of rice")
    photo = update["message"]["photo"][-1]["file_id"]
    refused = await call(emu, SUMBER_TOKEN, "sendPhoto", expect=400, chat_id=BUDI, photo=photo)
    assert refused["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    unknown = await call(emu, SUMBER_TOKEN, "getFile", expect=400, file_id=photo)
    assert unknown["description"] == "Bad Request: invalid file_id"

    sent = await call(emu, LEPING_TOKEN, "sendPhoto", chat_id=BUDI, photo=photo)
    assert sent["result"]["photo"][-1]["file_id"] == photo
