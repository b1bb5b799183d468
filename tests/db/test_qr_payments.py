"""A center's QRIS and payee QR in the database, and which requests can be paid by QR code.

Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Checkout
from bot.domain.money import Money
from bot.domain.pay_by_qr import NoQr, QrToPay
from bot.domain.pipeline import Fulfilment
from bot.domain.qris import parse_qris
from bot.services.qr_payment import qr_for, save_center_qr
from bot.services.submissions import submit_order
from storage import Storage
from storage.schema import requests
from tests.conftest import open_storage
from tests.unit.test_qris import STICKER

MANAGER, OTHER_MANAGER, SITI = 900001, 900002, 700001


async def order_at(store: Storage, code: str, manager: int, currency: str) -> int:
    """A center `code` with one product, and Siti's approved order of three of it."""
    center = await store.centers.add_center(code, code.title(), manager, currency=currency)
    price = Money(12_500 if currency == "IDR" else 1250, currency)
    await store.catalog.import_rows(
        center.id, [CatalogRow("X", "Teh", "Minum", price, "pak", None)]
    )
    await store.users.seen(SITI, "Siti", telegram_language="id")
    siti = await store.users.join_center(SITI, center.id)
    [item] = await store.catalog.search_items(center.id, currency)
    await store.carts.add(SITI, item.product_id, center.id, 3)
    order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    async with store.db.write() as conn:  # the manager's approval, as the pipeline writes it
        await conn.execute(
            sa.update(requests).where(requests.c.id == order.id).values(status="approved")
        )
    return order.id


async def test_a_center_keeps_its_codes_and_every_read_of_it_sees_them(database_url: str) -> None:
    async with open_storage(database_url) as store:
        leping = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
        await save_center_qr(store, leping, STICKER)
        shanghe = await store.centers.add_center("SHANGHE", "上河", OTHER_MANAGER, currency="CNY")
        await save_center_qr(store, shanghe, "https://qr.alipay.com/fkx12345")
        assert (await store.centers.get(leping.id)).qris_payload == STICKER
        standing = await store.users.visit(MANAGER, "Joko", None, None, "id")
        assert standing.managed[0].qris_payload == STICKER
        read = await store.centers.by_code("SHANGHE")
        assert (read.payee_qr, read.qris_payload) == ("https://qr.alipay.com/fkx12345", None)


async def test_only_unpaid_requests_at_centers_with_a_code_get_a_qr(database_url: str) -> None:
    async with open_storage(database_url) as store:
        leping_order = await order_at(store, "LEPING", MANAGER, "IDR")
        assert await qr_for(store, SITI, leping_order) is NoQr.CASH_ONLY
        assert await store.qr_payments.unpaid_with_qr([leping_order]) == set()
        await save_center_qr(store, await store.centers.by_code("LEPING"), STICKER)

        found = await qr_for(store, SITI, leping_order)
        assert isinstance(found, QrToPay) and parse_qris(found.content).amount == "37500"
        assert await qr_for(store, MANAGER, leping_order) is NoQr.NOT_FOUND
        assert await qr_for(store, SITI, 2**31 - 1) is NoQr.NOT_FOUND
        assert await store.qr_payments.unpaid_with_qr([leping_order, 999]) == {leping_order}
        async with store.db.write() as conn:
            paid = sa.update(requests).where(requests.c.id == leping_order)
            await conn.execute(paid.values(payment="qris"))
        assert await store.qr_payments.payment_of(leping_order) == "qris"
        assert await qr_for(store, SITI, leping_order) is NoQr.PAID
        assert await store.qr_payments.unpaid_with_qr([leping_order]) == set()
