"""Several bots in one database: the bots table, each center's bot, the messages and
announcements each bot sends, and dialogs kept apart by bot. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.domain.entities import OutboxMessage
from bot.domain.errors import BotInUse, DuplicateBot, RecordNotFound
from bot.services.center_move import move_center
from bot.views.texts import t
from storage import Storage
from storage.outbox import enqueue
from storage.persistence import DatabasePersistence
from storage.schema import user_data
from tests.conftest import open_storage
from tests.db.test_migrations import HEAD, database_at, revision_of

KLATEN_BOT, SOLO_BOT = 654321, 765432
TOKEN = "654321:AAEklatenSECRETtokenXYZ"
MANAGER, MANAGER_B, SITI = 900001, 900002, 700001


async def two_bots(store: Storage) -> tuple[int, int]:
    """Bot klaten with center KLATEN, and center LEPING of the default bot; their ids."""
    await store.bots.add(KLATEN_BOT, "klaten", TOKEN, "kios_klaten_bot")
    leping = await store.centers.add_center("LEPING", "Kios Leping", MANAGER)
    klaten = await store.centers.add_center("KLATEN", "Kios Klaten", MANAGER_B, bot_id=KLATEN_BOT)
    return leping.id, klaten.id


async def test_a_bot_is_kept_with_its_username_and_listed_with_its_centers(
    store: Storage,
) -> None:
    await two_bots(store)

    [klaten] = await store.bots.all_bots()
    assert (klaten.id, klaten.name, klaten.username) == (KLATEN_BOT, "klaten", "kios_klaten_bot")
    assert klaten.token == TOKEN and TOKEN not in repr(klaten)
    assert klaten.masked_token == "654321:AAE…XYZ"
    assert await store.bots.center_codes() == {None: ["LEPING"], KLATEN_BOT: ["KLATEN"]}
    assert [c.code for c in await store.centers.of_bot(KLATEN_BOT)] == ["KLATEN"]
    assert [c.code for c in await store.centers.of_bot(None)] == ["LEPING"]


async def test_a_name_or_a_bot_is_kept_once(store: Storage) -> None:
    await store.bots.add(KLATEN_BOT, "klaten", TOKEN, "kios_klaten_bot")

    with pytest.raises(DuplicateBot):
        await store.bots.add(SOLO_BOT, "klaten", "765432:other", "kios_solo_bot")
    with pytest.raises(DuplicateBot):
        await store.bots.add(KLATEN_BOT, "solo", TOKEN, "kios_klaten_bot")
    assert [bot.name for bot in await store.bots.all_bots()] == ["klaten"]


async def test_a_bot_with_centers_is_not_removed_until_they_move(store: Storage) -> None:
    await two_bots(store)
    await store.centers.add_center("BAYAT", "Kios Bayat", MANAGER_B, bot_id=KLATEN_BOT)

    with pytest.raises(BotInUse) as refused:
        await store.bots.remove("klaten")
    assert refused.value.codes == ["BAYAT", "KLATEN"]
    assert [bot.name for bot in await store.bots.all_bots()] == ["klaten"]

    await store.centers.set_bot("KLATEN", None)
    moved = await store.centers.set_bot("BAYAT", None)
    assert moved.bot_id is None
    assert (await store.bots.remove("klaten")).username == "kios_klaten_bot"
    assert await store.bots.all_bots() == []
    with pytest.raises(RecordNotFound):
        await store.bots.remove("klaten")


async def test_each_bot_reads_only_the_messages_of_its_centers(store: Storage) -> None:
    leping, klaten = await two_bots(store)
    async with store.db.write() as conn:
        # The same person, written to by both bots: two conversations, neither waits for the other.
        await enqueue(conn, [OutboxMessage(SITI, "from Klaten")], center_id=klaten)
        await enqueue(conn, [OutboxMessage(SITI, "from Leping")], center_id=leping)
        await enqueue(conn, [OutboxMessage(MANAGER, "about no center")], center_id=None)

    assert [row.text for row in await store.outbox.due()] == ["from Leping", "about no center"]
    [klaten_row] = await store.outbox.due(bot_id=KLATEN_BOT)
    assert klaten_row.text == "from Klaten"
    # While Klaten's message to Siti backs off, Leping's to her still goes.
    await store.outbox.retry_later(klaten_row, 600, "network down")
    assert [row.text for row in await store.outbox.due()] == ["from Leping", "about no center"]
    default_due, klaten_due = (
        await store.outbox.next_due_at(),
        await store.outbox.next_due_at(KLATEN_BOT),
    )
    assert default_due is not None and klaten_due is not None and klaten_due > default_due


async def test_messages_keep_the_bot_they_were_written_for(store: Storage) -> None:
    _leping, klaten = await two_bots(store)
    async with store.db.write() as conn:
        await enqueue(conn, [OutboxMessage(SITI, "written before the move")], center_id=klaten)
    await store.centers.set_bot("KLATEN", None)
    async with store.db.write() as conn:
        await enqueue(conn, [OutboxMessage(SITI, "written after")], center_id=klaten)

    assert [row.text for row in await store.outbox.due(bot_id=KLATEN_BOT)] == [
        "written before the move"
    ]
    assert [row.text for row in await store.outbox.due()] == ["written after"]


async def test_each_bot_sends_the_announcements_of_its_centers(store: Storage) -> None:
    leping, klaten = await two_bots(store)
    for center_id, manager in ((leping, MANAGER), (klaten, MANAGER_B)):
        draft = await store.broadcasts.compose(center_id, manager, "Pasar murah")
        await store.broadcasts.start_sending(draft.id, manager, manager, 1)

    assert [b.center_id for b in await store.broadcasts.sending()] == [leping]
    assert [b.center_id for b in await store.broadcasts.sending(KLATEN_BOT)] == [klaten]
    assert await store.broadcasts.sending(SOLO_BOT) == []


async def test_one_persons_dialogs_with_two_bots_are_kept_apart(store: Storage) -> None:
    default, klaten = DatabasePersistence(store.db), DatabasePersistence(store.db, KLATEN_BOT)
    await default.update_conversation("checkout", (SITI, SITI), "note")
    await default.update_user_data(SITI, {"checkout": {"fulfilment": "pickup"}})
    await default.flush()
    await klaten.update_conversation("checkout", (SITI, SITI), "confirm")
    await klaten.update_user_data(SITI, {"sell": {"name": "Salak"}})
    await klaten.flush()

    again, again_klaten = DatabasePersistence(store.db), DatabasePersistence(store.db, KLATEN_BOT)
    assert await again.get_conversations("checkout") == {(SITI, SITI): "note"}
    assert await again.get_user_data() == {SITI: {"checkout": {"fulfilment": "pickup"}}}
    assert await again_klaten.get_conversations("checkout") == {(SITI, SITI): "confirm"}
    assert await again_klaten.get_user_data() == {SITI: {"sell": {"name": "Salak"}}}

    await klaten.drop_user_data(SITI)  # leaving one bot's dialog leaves the other's
    await klaten.update_conversation("checkout", (SITI, SITI), None)
    await klaten.flush()
    assert await DatabasePersistence(store.db).get_user_data() == {
        SITI: {"checkout": {"fulfilment": "pickup"}}
    }
    assert await DatabasePersistence(store.db, KLATEN_BOT).get_conversations("checkout") == {}


async def test_dialogs_from_before_the_upgrade_are_the_default_bots(database_url: str) -> None:
    old = await database_at(database_url, "0014")
    async with old.write() as conn:
        await conn.execute(sa.text("INSERT INTO user_data (user_id, data) VALUES (7001, '{}')"))
        await conn.execute(
            sa.text(
                "INSERT INTO conversations (name, key, state)"
                " VALUES ('checkout', '[7001, 7001]', '\"note\"')"
            )
        )
    await old.close()

    async with open_storage(database_url) as store:
        async with store.db.read() as conn:
            assert await revision_of(conn) == HEAD
            rows = (await conn.execute(sa.select(user_data))).all()
        assert [(row.user_id, row.bot_id) for row in rows] == [(7001, 0)]
        dialogs = DatabasePersistence(store.db)
        assert await dialogs.get_conversations("checkout") == {(7001, 7001): "note"}
        assert await DatabasePersistence(store.db, KLATEN_BOT).get_user_data() == {}


async def test_a_bot_with_messages_still_to_send_is_not_removed(store: Storage) -> None:
    _leping, klaten = await two_bots(store)
    async with store.db.write() as conn:
        await enqueue(conn, [OutboxMessage(SITI, "approved")], center_id=klaten)
    await store.centers.set_bot("KLATEN", None)

    with pytest.raises(BotInUse) as refused:
        await store.bots.remove("klaten")
    assert (refused.value.codes, refused.value.pending) == ([], 1)

    [row] = await store.outbox.due(bot_id=KLATEN_BOT)
    await store.outbox.mark_sent(row, 5)
    assert (await store.bots.remove("klaten")).name == "klaten"


async def test_a_villager_who_blocked_one_bot_still_hears_another(store: Storage) -> None:
    leping, klaten = await two_bots(store)
    await store.users.seen(SITI, "Siti")
    await store.users.join_center(SITI, leping)
    async with store.db.write() as conn:  # a message the klaten bot had for her
        await enqueue(conn, [OutboxMessage(SITI, "your order at Klaten")], center_id=klaten)
    [row] = await store.outbox.due(bot_id=KLATEN_BOT)
    await store.outbox.record_blocked(row, "Forbidden: bot was blocked by the user")

    siti = await store.users.get(SITI)
    assert siti is not None and siti.blocked(KLATEN_BOT) and not siti.blocked(None)
    assert await store.broadcasts.count_recipients(leping, MANAGER) == 1  # Leping's bot is not

    draft = await store.broadcasts.compose(leping, MANAGER, "Pasar murah")
    await store.broadcasts.start_sending(draft.id, MANAGER, MANAGER, 1)
    await store.broadcasts.mark_blocked(draft.id, SITI)  # now the default bot too
    assert await store.broadcasts.count_recipients(leping, MANAGER) == 0

    # Leping moves to klaten: the bot it leaves cannot tell her; its blocks hide her no more.
    move = await store.center_moves.move("LEPING", KLATEN_BOT, lambda _c, people: [])
    assert move.told == () and move.after.bot_id == KLATEN_BOT
    assert await store.broadcasts.count_recipients(leping, MANAGER) == 1
    await store.users.seen(SITI, "Siti")  # she writes again: unblocked
    assert (await store.users.get(SITI)).blocked_at is None  # type: ignore[union-attr]


async def test_a_moving_center_says_goodbye_through_the_bot_it_leaves(store: Storage) -> None:
    leping, _klaten = await two_bots(store)
    for user_id in (SITI, MANAGER):
        await store.users.seen(user_id, "someone")
    await store.users.join_center(SITI, leping)

    move = await store.center_moves.move(
        "LEPING",
        KLATEN_BOT,
        lambda center, people: [OutboxMessage(p.id, f"{center.code} moved") for p in people],
    )

    assert [person.id for person in move.told] == [SITI, MANAGER]
    assert [(row.chat_id, row.text) for row in await store.outbox.due()] == [
        (SITI, "LEPING moved"),
        (MANAGER, "LEPING moved"),
    ]
    assert await store.outbox.due(bot_id=KLATEN_BOT) == []
    assert (await store.centers.by_code("LEPING")).bot_id == KLATEN_BOT
    again = await store.center_moves.move("LEPING", KLATEN_BOT, lambda _c, people: [])
    assert again.before == again.after and again.told == ()


async def test_a_block_from_before_the_upgrade_is_of_the_villagers_centers_bot(
    database_url: str,
) -> None:
    old = await database_at(database_url, "0018")
    async with old.write() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO centers (id, code, name, manager_id, currency, language, radius_km,"
                " catalog_version, created_at, quote_ttl_s, places, bot_id) VALUES (1, 'KLATEN',"
                " 'Kios Klaten', 900002, 'IDR', 'id', 3, 1, 1.0, 86400, '', :bot)"
            ),
            {"bot": KLATEN_BOT},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO users (id, first_name, center_id, blocked_at, muted, created_at)"
                " VALUES (:siti, 'Siti', 1, 5.0, false, 1.0)"
            ),
            {"siti": SITI},
        )
    await old.close()

    async with open_storage(database_url) as store:
        siti = await store.users.get(SITI)
    assert siti is not None and siti.blocked(KLATEN_BOT) and not siti.blocked(None)


async def test_each_bot_keeps_its_own_file_id_of_a_file_once(store: Storage) -> None:
    original = "AgACAgUAAxkBAAIB-received-by-the-default-bot"
    assert await store.file_copies.own_id(original, KLATEN_BOT) is None

    await store.file_copies.keep(original, KLATEN_BOT, "klaten-copy")
    await store.file_copies.keep(original, KLATEN_BOT, "sent-twice-at-once")  # the first wins
    await store.file_copies.keep(original, None, original)

    assert await store.file_copies.own_id(original, KLATEN_BOT) == "klaten-copy"
    assert await store.file_copies.own_id(original, SOLO_BOT) is None
    assert await store.file_copies.holders(original) == {
        KLATEN_BOT: "klaten-copy",
        None: original,
    }


async def test_a_moved_centers_desk_is_told_in_the_language_of_its_cards(store: Storage) -> None:
    """The center's language before the phone's for its manager (as on every card), the
    phone's language for a villager who chose none."""
    leping, _ = await two_bots(store)  # LEPING speaks Indonesian
    await store.users.seen(MANAGER, "Pak Joko", telegram_language="en")
    await store.users.seen(SITI, "Siti", telegram_language="en")
    await store.users.join_center(SITI, leping)
    await move_center(store, "LEPING", KLATEN_BOT, "kios_klaten_bot")
    said = {row.chat_id: row.text for row in await store.outbox.due()}
    link = "https://t.me/kios_klaten_bot?start=LEPING"
    words = dict(center="Kios Leping", bot="kios_klaten_bot", link=link)
    assert said == {
        MANAGER: t("id", "bots.center_moved_desk", **words),
        SITI: t("en", "bots.center_moved", **words),
    }
