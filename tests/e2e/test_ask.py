"""Ask the manager, end to end: a villager's question, the manager's answer, and back again."""

from __future__ import annotations

import pytest

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.questions import Direction, Entry, EntryKind, QuestionStatus
from bot.services.questions import ask as ask_manager
from bot.views.texts import Html, h
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    eventually,
    join,
    label,
    part_of,
    running_bot,
    shown,
    start_manager,
    world_on,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

SITI_PHONE = "+6281234567890"
LEPING = "Kios Desa Leping"
# The buttons under a question the manager receives.
REPLY_OR_CLOSE = [label("ask.reply"), label("ask.close")]


def from_villager(number: int, name: str = "Siti", phone: str = "") -> str:
    """The header of question `number` as the manager reads it (the phone once shared)."""
    shared = h("en", "card.phone", phone=phone) if phone else Html("")
    return shown("ask.header.manager", number=number, name=name, phone=shared)


def from_center(number: int) -> str:
    """The header of the center's answer to question `number` as the villager reads it."""
    return shown("ask.header.villager", number=number, center=LEPING)


async def ask(emu: BotApiEmulator, villager: int, question: str) -> SentMessage:
    """The villager sends /ask, then the question; returns the "sent" confirmation."""
    emu.send_text(villager, "/ask")
    await emu.wait_for(villager, contains=part_of("ask.prompt"))
    emu.send_text(villager, question)
    return await emu.wait_for(villager, contains=part_of("ask.sent"))


async def reply(emu: BotApiEmulator, user_id: int, relayed: SentMessage, text: str) -> None:
    """Press Reply under a relayed message and type the answer."""
    emu.press(user_id, relayed.message_id, button_text=label("ask.reply"))
    await emu.wait_for(user_id, contains=part_of("ask.reply_prompt"))
    emu.send_text(user_id, text)
    await emu.wait_for(user_id, contains=part_of("ask.reply_sent"))


async def test_a_question_goes_to_the_manager_and_the_thread_goes_back_and_forth(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)

    sent = await ask(emu, SITI, "Apakah ada pupuk urea?")
    assert sent.text == shown("ask.sent", center=LEPING, number=1)

    question = await emu.wait_for(MANAGER, contains="Apakah ada pupuk urea?")
    assert question.text == from_villager(1) + "\n\nApakah ada pupuk urea?"
    assert question.button_texts() == REPLY_OR_CLOSE

    await reply(emu, MANAGER, question, "Ada, Rp 120.000 per sak")
    answer = await emu.wait_for(SITI, contains="Ada, Rp 120.000 per sak")
    assert answer.text == from_center(1) + "\n\nAda, Rp 120.000 per sak"
    assert answer.button_texts() == [label("ask.reply")]

    await reply(emu, SITI, answer, "Baik, saya ambil 2 sak besok")
    again = await emu.wait_for(MANAGER, contains="Baik, saya ambil 2 sak besok")
    assert again.text.startswith(from_villager(1) + "\n\n")
    assert again.button_texts() == REPLY_OR_CLOSE

    async with world.database() as store:
        threads = await store.questions.of_villager(SITI)
        assert [(q.id, q.status) for q in threads] == [(1, QuestionStatus.OPEN)]
        messages = await store.questions.messages(1)
    assert [(m.direction, m.sender_id, m.kind, m.text) for m in messages] == [
        (Direction.TO_MANAGER, SITI, EntryKind.TEXT, "Apakah ada pupuk urea?"),
        (Direction.TO_VILLAGER, MANAGER, EntryKind.TEXT, "Ada, Rp 120.000 per sak"),
        (Direction.TO_MANAGER, SITI, EntryKind.TEXT, "Baik, saya ambil 2 sak besok"),
    ]
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_two_villagers_threads_stay_apart(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await join(emu, BUDI)
    await ask(emu, SITI, "Apakah ada pupuk urea?")
    sitis = await emu.wait_for(MANAGER, contains="pupuk urea")
    await ask(emu, BUDI, "Jam berapa kios buka?")
    budis = await emu.wait_for(MANAGER, contains="kios buka")
    assert budis.text.startswith(from_villager(2, name="Budi"))

    await reply(emu, MANAGER, budis, "Jam 7 pagi")
    await emu.wait_for(BUDI, contains="Jam 7 pagi")
    await reply(emu, MANAGER, sitis, "Ada")
    to_siti = await emu.wait_for(SITI, contains=from_center(1))
    assert to_siti.text.endswith("\n\nAda")
    assert not any("Jam 7 pagi" in m.text for m in emu.messages(SITI))


async def test_a_photo_question_and_a_voice_question_reach_the_manager_as_they_were_sent(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)

    emu.send_text(SITI, "/ask")
    await emu.wait_for(SITI, contains=part_of("ask.prompt"))
    photo = emu.send_photo(SITI, b"JPEG of a fertilizer bag", caption="Pupuk <ini> & itu ada?")
    await emu.wait_for(SITI, contains=part_of("ask.sent"))
    relayed = await emu.wait_for(MANAGER, lambda m: m.kind == "photo")
    assert relayed.photo is not None
    assert relayed.photo.file_id == photo["message"]["photo"][-1]["file_id"]
    assert relayed.caption == from_villager(1) + "\n\nPupuk <ini> & itu ada?"
    assert relayed.button_texts() == REPLY_OR_CLOSE

    emu.send_text(SITI, "/ask")
    await emu.wait_for(SITI, contains=part_of("ask.prompt"))
    voice = emu.send_voice(SITI, b"OggS a question about seeds", duration=5)
    await emu.wait_for(SITI, contains=part_of("ask.sent"))
    heard = await emu.wait_for(MANAGER, lambda m: m.kind == "voice")
    assert heard.voice is not None
    assert heard.voice.file_id == voice["message"]["voice"]["file_id"]
    assert heard.caption == from_villager(2)

    # The manager answers the voice question with a photo.
    emu.press(MANAGER, heard.message_id, button_text=label("ask.reply"))
    await emu.wait_for(MANAGER, contains=shown("ask.reply_prompt", number=2))
    emu.send_photo(MANAGER, b"JPEG of the seeds", caption="Benih jagung, Rp 85.000")
    await emu.wait_for(MANAGER, contains=part_of("ask.reply_sent"))
    answer = await emu.wait_for(SITI, lambda m: m.kind == "photo")
    assert answer.caption == from_center(2) + "\n\nBenih jagung, Rp 85.000"

    async with world.database() as store:
        kinds = [m.kind for q in (1, 2) for m in await store.questions.messages(q)]
    assert kinds == [EntryKind.PHOTO, EntryKind.VOICE, EntryKind.PHOTO]
    assert_html_always_valid(emu)


async def test_the_manager_sees_the_phone_only_once_the_villager_shared_it(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await ask(emu, SITI, "Pupuk urea ada?")
    before = await emu.wait_for(MANAGER, contains="Pupuk urea ada?")
    assert "📱" not in before.text and "628" not in before.text

    emu.send_contact(SITI)  # the button under the welcome shares her own number
    await emu.wait_for(SITI, contains=SITI_PHONE)
    await ask(emu, SITI, "Kalau NPK?")
    after = await emu.wait_for(MANAGER, contains="Kalau NPK?")
    assert after.text.startswith(from_villager(2, phone=SITI_PHONE) + "\n\n")
    # The answer never carries anyone's number either.
    await reply(emu, MANAGER, after, "NPK habis")
    answer = await emu.wait_for(SITI, contains="NPK habis")
    assert "📱" not in answer.text


async def test_a_forged_reply_press_by_another_villager_changes_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await ask(emu, SITI, "Apakah ada pupuk urea?")
    await emu.wait_for(MANAGER, contains="pupuk urea")
    welcome = await join(emu, BUDI)
    seen_by_manager = len(emu.messages(MANAGER))

    for forged in ("qst:1:reply", "qst:1:close", "qst:99:reply", "qst:1:bogus"):
        query = emu.press(BUDI, welcome.message_id, forge=forged)
        answer = await emu.wait_callback_answered(query)
        assert answer.get("show_alert") is True, forged
    assert emu.callback_answers[query]["text"] == label("common.stale")
    # Budi's next text is a plain search, not a message in Siti's thread.
    emu.send_text(BUDI, "Saya ikut tanya")
    await emu.wait_for(BUDI, contains=shown("shop.no_results", query="Saya ikut tanya"))

    async with world.database() as store:
        messages = await store.questions.messages(1)
        thread = await store.questions.get(1)
    assert [m.sender_id for m in messages] == [SITI]
    assert thread is not None and thread.status is QuestionStatus.OPEN
    assert len(emu.messages(MANAGER)) == seen_by_manager
    assert not any("Saya ikut tanya" in m.text for m in emu.messages(SITI))
    await assert_all_answered(emu)


async def test_forged_press_answers_say_the_question_is_not_theirs(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await ask(emu, SITI, "Apakah ada pupuk urea?")
    welcome = await join(emu, BUDI)
    for forged in ("qst:1:reply", "qst:1:close", "qst:99:reply"):
        query = emu.press(BUDI, welcome.message_id, forge=forged)
        answer = await emu.wait_callback_answered(query)
        assert answer == {"text": label("ask.not_allowed"), "show_alert": True}, forged
    # Siti cannot close her own thread: only the manager closes.
    sent = emu.last_message(SITI)
    query = emu.press(SITI, sent.message_id, forge="qst:1:close")
    assert (await emu.wait_callback_answered(query))["text"] == label("ask.not_allowed")


async def test_a_villager_who_has_not_joined_is_told_to_join_first(world: World) -> None:
    emu = world.emu
    emu.send_text(BUDI, "/ask")
    await emu.wait_for(BUDI, contains=shown("ask.join_first"))
    emu.send_text(BUDI, "Leping")  # not a question: typed text looks for a center
    await emu.wait_for(BUDI, contains=shown("onboarding.pick_center"))
    async with world.database() as store:
        assert await store.questions.of_villager(BUDI) == []


async def test_the_manager_closes_a_thread_and_its_reply_buttons_stop(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await ask(emu, SITI, "Apakah ada pupuk urea?")
    question = await emu.wait_for(MANAGER, contains="pupuk urea")
    await reply(emu, MANAGER, question, "Ada")
    answer = await emu.wait_for(SITI, contains=from_center(1))

    query = emu.press(MANAGER, question.message_id, button_text=label("ask.close"))
    assert (await emu.wait_callback_answered(query))["text"] == label("ask.closed_done", number=1)
    await emu.wait_for(SITI, contains=shown("ask.closed_notice", number=1))
    await emu.wait_for(MANAGER, lambda m: m.message_id == question.message_id and not m.buttons)

    query = emu.press(SITI, answer.message_id, button_text=label("ask.reply"))
    told = await emu.wait_callback_answered(query)
    assert told == {"text": label("ask.closed", number=1), "show_alert": True}
    async with world.database() as store:
        thread = await store.questions.get(1)
        messages = await store.questions.messages(1)
    assert thread is not None and thread.status is QuestionStatus.CLOSED
    assert thread.closed_by == MANAGER
    assert len(messages) == 2


async def test_cancel_leaves_without_sending_and_orders_offer_the_question(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/ask")
    await emu.wait_for(SITI, contains=part_of("ask.prompt"))
    emu.send_text(SITI, "/cancel")
    await emu.wait_for(SITI, contains=shown("ask.cancelled"))
    emu.send_text(SITI, "beras")  # a search again
    await emu.wait_for(SITI, contains=shown("shop.results", query="beras"))

    emu.send_text(SITI, "/orders")
    listing = await emu.wait_for(SITI, contains=shown("orders.none"))
    emu.press(SITI, listing.message_id, button_text=label("ask.button"))
    await emu.wait_for(SITI, contains=part_of("ask.prompt"))
    emu.send_location(SITI)
    await emu.wait_for(SITI, contains=shown("ask.wrong_kind"))
    emu.send_text(SITI, "Bisa antar ke rumah?")
    await emu.wait_for(SITI, contains=part_of("ask.sent"))
    await emu.wait_for(MANAGER, contains="Bisa antar ke rumah?")
    assert not any("beras" in m.text for m in emu.messages(MANAGER))


async def test_a_caption_too_long_for_the_header_follows_the_photo(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    caption = "Pupuk ini " + "x" * 1014  # Telegram's longest caption: 1024
    emu.send_text(SITI, "/ask")
    await emu.wait_for(SITI, contains=part_of("ask.prompt"))
    emu.send_photo(SITI, b"JPEG", caption=caption)
    follow = await emu.wait_for(MANAGER, lambda m: m.kind == "text" and bool(m.buttons))
    photo = emu.messages(MANAGER)[-2]
    assert photo.kind == "photo" and photo.caption == from_villager(1)
    assert not photo.buttons
    assert follow.text == caption
    assert follow.button_texts() == REPLY_OR_CLOSE
    assert not emu.errors


async def test_a_blocked_manager_is_recorded_and_the_question_is_kept(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.block(MANAGER)
    await ask(emu, SITI, "Apakah ada pupuk urea?")
    async with world.database() as store:

        async def manager_blocked() -> bool | None:
            manager = await store.users.get(MANAGER)
            return True if manager is not None and manager.blocked_at is not None else None

        await eventually(manager_blocked, "the manager to be recorded as blocked")
        assert (await store.outbox.counts()).get("blocked") == 1
        messages = await store.questions.messages(1)
    assert [m.text for m in messages] == ["Apakah ada pupuk urea?"]


async def test_user_text_is_escaped_and_a_long_text_arrives_whole_in_parts(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    # As long as Telegram lets Siti write; with the header it cannot go in one message.
    long_text = ("<b>Pupuk</b> & benih " + " ".join(f"kata{n}" for n in range(900)))[:4096]
    assert len(long_text) == 4096
    await ask(emu, SITI, long_text)
    last = await emu.wait_for(MANAGER, lambda m: bool(m.buttons))
    relayed = [m for m in emu.messages(MANAGER) if m.message_id <= last.message_id][-2:]
    first, second = relayed
    assert first.text.startswith(from_villager(1) + "\n\n<b>Pupuk</b> & benih kata0")
    assert not first.buttons and second.buttons
    body = first.text.split("\n\n", 1)[1]
    assert " ".join((body + " " + second.text).split()) == " ".join(long_text.split())
    assert_html_always_valid(emu)
    assert not emu.errors


async def test_a_question_survives_restarts_while_written_and_after_it_was_recorded(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    async with world_on(emu, sqlite_url) as world:
        await start_manager(emu)
        await join(emu, SITI)
        emu.send_text(SITI, "/ask")
        await emu.wait_for(SITI, contains=part_of("ask.prompt"))
    # The bot restarts while Siti is writing; her question still goes to the manager.
    async with running_bot(world.settings):
        emu.send_text(SITI, "Apakah ada pupuk urea?")
        await emu.wait_for(SITI, contains=part_of("ask.sent"))
        await emu.wait_for(MANAGER, contains="Apakah ada pupuk urea?")
    # A question recorded just before a crash, not yet sent, is delivered after the restart.
    async with world.database() as store:
        siti = await store.users.get(SITI)
        center = await store.centers.by_code("LEPING")
        assert siti is not None
        await ask_manager(store, siti, center, Entry(EntryKind.TEXT, "Kalau NPK ada?"))
    async with running_bot(world.settings):
        delivered = await emu.wait_for(MANAGER, contains="Kalau NPK ada?", after=0)
    assert delivered.text.startswith(from_villager(2))
