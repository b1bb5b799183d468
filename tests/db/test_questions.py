"""Question threads on SQLite and PostgreSQL: each message is stored with its outbox rows."""

from __future__ import annotations

import pytest

from bot.domain.entities import Center, OutboxMessage
from bot.domain.questions import MAX_OPEN_QUESTIONS, Direction, Entry, EntryKind, QuestionStatus
from bot.services.questions import QuestionRefused, ask, close, reply
from storage import Storage

MANAGER, SITI, BUDI = 900001, 700001, 700002


async def leping(store: Storage) -> Center:
    """A center with its manager, and Siti and Budi as its villagers."""
    center = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
    await store.users.seen(MANAGER, "Joko", telegram_language="en")
    await store.users.set_language(MANAGER, "en")  # Leping speaks Indonesian; he reads English
    for villager, name in ((SITI, "Siti"), (BUDI, "Budi")):
        await store.users.seen(villager, name, telegram_language="id")
        await store.users.join_center(villager, center.id)
    return center


async def pending_to(store: Storage, chat_id: int) -> list[str]:
    return [row.text for row in await store.outbox.due() if row.chat_id == chat_id]


async def test_a_thread_records_each_message_with_the_message_that_relays_it(
    store: Storage,
) -> None:
    center = await leping(store)
    siti = await store.users.get(SITI)
    assert siti is not None
    question = await ask(store, siti, center, Entry(EntryKind.TEXT, "Apakah ada pupuk urea?"))
    assert await pending_to(store, MANAGER) == [
        "❓ <b>Question #1</b> from Siti\n\nApakah ada pupuk urea?"
    ]
    await reply(store, question.id, MANAGER, Entry(EntryKind.PHOTO, "Ada", "PHOTO-1"))
    [to_siti] = [row for row in await store.outbox.due() if row.chat_id == SITI]
    assert (to_siti.media_kind, to_siti.file_id) == ("photo", "PHOTO-1")
    assert to_siti.text.startswith("💬 <b>Kios Desa Leping</b> menjawab")  # Siti's language

    messages = await store.questions.messages(question.id)
    assert [(m.direction, m.sender_id, m.kind, m.file_id) for m in messages] == [
        (Direction.TO_MANAGER, SITI, EntryKind.TEXT, None),
        (Direction.TO_VILLAGER, MANAGER, EntryKind.PHOTO, "PHOTO-1"),
    ]


async def test_only_the_threads_villager_and_manager_write_and_only_the_manager_closes(
    store: Storage,
) -> None:
    center = await leping(store)
    siti = await store.users.get(SITI)
    assert siti is not None
    question = await ask(store, siti, center, Entry(EntryKind.TEXT, "Pupuk?"))
    for intruder in (BUDI, 123):
        with pytest.raises(QuestionRefused, match="not_allowed"):
            await reply(store, question.id, intruder, Entry(EntryKind.TEXT, "ikut"))
    with pytest.raises(QuestionRefused, match="not_allowed"):
        await close(store, question.id, SITI)
    with pytest.raises(QuestionRefused, match="not_allowed"):
        await reply(store, 99, MANAGER, Entry(EntryKind.TEXT, "?"))
    assert len(await store.questions.messages(question.id)) == 1

    await close(store, question.id, MANAGER)
    closed = await store.questions.get(question.id)
    assert closed is not None and closed.status is QuestionStatus.CLOSED
    assert closed.closed_by == MANAGER and closed.closed_at is not None
    assert await pending_to(store, SITI) == [
        "✅ Pengelola menutup pertanyaan <b>#1</b>. Kirim /ask jika ada yang lain."
    ]
    for writer in (SITI, MANAGER):
        with pytest.raises(QuestionRefused, match="closed"):
            await reply(store, question.id, writer, Entry(EntryKind.TEXT, "lagi"))
    with pytest.raises(QuestionRefused, match="closed"):
        await close(store, question.id, MANAGER)
    assert len(await store.questions.messages(question.id)) == 1


async def test_a_closed_thread_takes_no_message_even_if_it_closed_after_the_check(
    store: Storage,
) -> None:
    center = await leping(store)
    asked = await store.questions.ask(
        center.id, SITI, Entry(EntryKind.TEXT, "Pupuk?"), lambda q, m: [], MAX_OPEN_QUESTIONS
    )
    assert asked is not None
    thread = asked[0]
    await store.questions.close(thread.id, MANAGER, lambda q: [])
    added = await store.questions.add(
        thread.id,
        Direction.TO_MANAGER,
        SITI,
        Entry(EntryKind.TEXT, "masih ada?"),
        lambda q, m: [OutboxMessage(MANAGER, "masih ada?")],
    )
    assert added is None
    assert len(await store.questions.messages(thread.id)) == 1
    assert await pending_to(store, MANAGER) == []


async def test_a_relay_that_fails_leaves_no_message_behind(store: Storage) -> None:
    center = await leping(store)

    def broken(question: object, message: object) -> list[OutboxMessage]:
        raise RuntimeError("could not build the message")

    with pytest.raises(RuntimeError):
        await store.questions.ask(
            center.id, SITI, Entry(EntryKind.TEXT, "Pupuk?"), broken, MAX_OPEN_QUESTIONS
        )
    assert await store.questions.of_villager(SITI) == []


async def test_villagers_without_a_center_and_managers_of_it_cannot_ask(store: Storage) -> None:
    center = await leping(store)
    stranger = await store.users.seen(123, "Asing")
    with pytest.raises(QuestionRefused, match="no_center"):
        await ask(store, stranger, None, Entry(EntryKind.TEXT, "Halo"))
    manager = await store.users.join_center(MANAGER, center.id)
    with pytest.raises(QuestionRefused, match="own_center"):
        await ask(store, manager, center, Entry(EntryKind.TEXT, "Halo"))
    assert await store.questions.of_villager(123) == []


async def test_a_villager_holds_at_most_three_open_questions_at_a_center(store: Storage) -> None:
    center = await leping(store)
    siti = await store.users.join_center(SITI, center.id)
    for n in range(MAX_OPEN_QUESTIONS):
        await ask(store, siti, center, Entry(EntryKind.TEXT, f"Pertanyaan {n}"))
    with pytest.raises(QuestionRefused, match="too_many_open"):
        await ask(store, siti, center, Entry(EntryKind.TEXT, "Satu lagi"))
    assert len(await store.questions.of_villager(SITI)) == MAX_OPEN_QUESTIONS
    assert (await store.outbox.counts())["pending"] == MAX_OPEN_QUESTIONS  # one relay each
    # Once the manager closes one, there is room for a new question.
    first = (await store.questions.of_villager(SITI))[-1]
    await close(store, first.id, MANAGER)
    await ask(store, siti, center, Entry(EntryKind.TEXT, "Sekarang boleh"))
    assert len(await store.questions.of_villager(SITI)) == MAX_OPEN_QUESTIONS + 1
