"""The money ledger on SQLite and PostgreSQL: rows appended, balances summed from them."""

from __future__ import annotations

from bot.domain.payments import Payment, PayMethod, payment_entry, repayment_entry
from storage import Storage
from storage.ledger import add_in, entries_in, owed_in

MANAGER, SITI, BUDI = 500, 7001, 7002


async def test_a_villagers_debt_is_the_sum_of_their_rows(store: Storage) -> None:
    center = await store.centers.add_center("leping", "Desa Leping", MANAGER)
    for user in (SITI, BUDI):
        await store.users.seen(user, "Villager")
    async with store.db.write() as conn:
        await add_in(conn, payment_entry(center.id, SITI, None, Payment.CREDIT, 30_000, "IDR", 1))
        await add_in(conn, payment_entry(center.id, BUDI, None, Payment.CREDIT, 5_000, "IDR", 1))
        await add_in(conn, repayment_entry(center.id, SITI, PayMethod.CASH, 12_500, "IDR", 1))
        await add_in(conn, payment_entry(center.id, SITI, None, Payment.CASH, 9_000, "IDR", 1))
    async with store.db.read() as conn:
        assert await owed_in(conn, center.id, SITI) == 17_500
        assert await owed_in(conn, center.id, BUDI) == 5_000
        assert await owed_in(conn, center.id + 1, SITI) == 0
        siti = await entries_in(conn, center.id, SITI)
    assert [(row.kind, row.amount_minor) for row in siti] == [
        ("credit", 30_000),
        ("repayment", 12_500),
        ("cash", 9_000),
    ]


async def test_a_row_rolled_back_with_its_transaction_leaves_no_trace(store: Storage) -> None:
    center = await store.centers.add_center("leping", "Desa Leping", MANAGER)
    await store.users.seen(SITI, "Siti")
    try:
        async with store.db.write() as conn:
            await add_in(conn, repayment_entry(center.id, SITI, PayMethod.CASH, 1_000, "IDR", 1))
            raise RuntimeError("the process died here")
    except RuntimeError:
        pass
    async with store.db.read() as conn:
        assert await entries_in(conn, center.id) == []
        assert await owed_in(conn, center.id, SITI) == 0
