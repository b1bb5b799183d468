"""Paying by QRIS with the exact amount: the manager photographs the center's sticker, the
villager presses Pay with QRIS under the approved order, and the QR code read back from the
picture carries that order's amount to the rupiah."""

from __future__ import annotations

import io

import qrcode
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Checkout, ServiceRequest
from bot.domain.money import Money, format_money
from bot.domain.pipeline import Fulfilment
from bot.domain.qris import parse_qris
from bot.services.submissions import submit_order
from bot.views.texts import plain
from storage import Storage
from storage.schema import requests
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    join,
    label,
    part_of,
    place_order,
    shown,
    start_manager,
)
from tests.unit.test_qris import STICKER, payload, reference_crc


def sticker_photo(content: str) -> bytes:
    """A photo of a QR sticker: the code of `content`, generated, with a white margin."""
    image = qrcode.make(content, border=6, box_size=8)
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def codes_in(emu: BotApiEmulator, picture: SentMessage) -> list[str]:
    """What a phone's camera reads in a picture the bot sent."""
    assert picture.kind == "photo" and picture.photo is not None
    image = Image.open(io.BytesIO(emu.file_bytes(picture.photo.file_id)))
    return [code.text for code in zxingcpp.read_barcodes(image)]


async def approve(emu: BotApiEmulator, number: int) -> SentMessage:
    """The manager approves request `number` on its card; the villager's news of it."""
    card = await emu.wait_for(MANAGER, contains=f"🧾 #{number} ·", after=0)
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    return await emu.wait_for(
        SITI, contains=shown("notify.approve", number=number, status=label("status.approved"))
    )


async def record_cash(store: Storage, number: int) -> None:
    """The manager's Paid cash, as the payment column holds it."""
    async with store.db.write() as conn:
        await conn.execute(
            sa.update(requests).where(requests.c.id == number).values(payment="cash")
        )


async def test_the_villager_pays_an_approved_order_with_a_qris_of_its_exact_amount(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.send_photo(MANAGER, sticker_photo(STICKER), caption="/qris")
    saved = shown(
        "qris.saved", center="Kios Desa Leping", merchant="KIOS DESA LEPING", city="BOYOLALI"
    )
    await emu.wait_for(MANAGER, contains=saved)

    await join(emu, SITI)
    async with world.database() as store:
        assert (await store.centers.by_code("LEPING")).qris_payload == STICKER
        order = await place_order(store, SITI, {"Minyak Goreng 1 liter": 2, "Gula Pasir 1 kg": 1})
    news = await approve(emu, order.id)
    pay = label("qris.pay_button", number=order.id)
    assert news.button_texts() == [pay]

    query = emu.press(SITI, news.message_id, button_text=pay)
    picture = await emu.wait_for(SITI, lambda m: m.kind == "photo")
    assert (await emu.wait_callback_answered(query)).get("text") is None
    [content] = codes_in(emu, picture)
    qris = parse_qris(content)  # a valid QRIS: its CRC and every field checked
    assert qris.amount == str(order.total.minor) and order.total.minor > 0
    assert qris.value("01") == "12" and qris.value("53") == "360"
    assert qris.merchant_name == "KIOS DESA LEPING"
    assert content[-4:] == reference_crc(content[:-4])
    amount = format_money(order.total, "en")
    assert picture.caption == shown(
        "qris.caption", number=order.id, amount=amount, merchant="KIOS DESA LEPING"
    )
    assert "not connected to any bank" in picture.caption

    # /orders has the same button, and /pay N the same picture.
    emu.send_text(SITI, "/orders")
    listing = await emu.wait_for(SITI, contains=part_of("orders.list"))
    assert listing.button_texts() == [pay, label("ask.button")]
    emu.send_text(SITI, f"/pay {order.id}")
    again = await emu.wait_for(SITI, lambda m: m.kind == "photo")
    assert codes_in(emu, again) == [content]

    # Once the payment is recorded, the old button says so and sends nothing.
    async with world.database() as store:
        await record_cash(store, order.id)
    query = emu.press(SITI, news.message_id, button_text=pay)
    answer = await emu.wait_callback_answered(query)
    assert answer["text"] == label("qris.no_qr.paid") and answer.get("show_alert")
    emu.send_text(SITI, "/orders")
    listing = await emu.wait_for(SITI, contains=part_of("orders.list"))
    assert listing.button_texts() == [label("ask.button")]
    assert len([m for m in emu.messages(SITI) if m.kind == "photo"]) == 2
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_only_the_villager_of_an_approved_order_gets_its_qr(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.send_text(MANAGER, f"/qris {STICKER}")
    await emu.wait_for(MANAGER, contains=part_of("qris.saved"))
    await join(emu, SITI)
    welcome = await join(emu, BUDI)
    async with world.database() as store:
        order = await place_order(store, SITI)

    # Before approval: not yet, and no button under the order in /orders.
    emu.send_text(SITI, f"/pay {order.id}")
    await emu.wait_for(SITI, contains=shown("qris.no_qr.not_yet"))
    news = await approve(emu, order.id)

    # Budi forges a press on Siti's order, and asks by number: as if it did not exist.
    query = emu.press(BUDI, welcome.message_id, forge=f"pay:{order.id}")
    assert (await emu.wait_callback_answered(query))["text"] == label("qris.no_qr.not_found")
    emu.send_text(BUDI, f"/pay {order.id}")
    await emu.wait_for(BUDI, contains=shown("qris.no_qr.not_found"))
    for typed in ("/pay", "/pay abc", "/pay 1 2", "/pay 99999999999999"):
        emu.send_text(BUDI, typed)
        await emu.wait_for(BUDI, contains=shown("qris.pay_usage"))
    emu.send_text(BUDI, "/pay 424242")
    await emu.wait_for(BUDI, contains=shown("qris.no_qr.not_found"))
    assert not [m for m in emu.messages(BUDI) if m.kind == "photo"]
    assert news.button_texts() == [label("qris.pay_button", number=order.id)]
    await assert_all_answered(emu)


async def test_a_center_without_qris_takes_cash_and_a_broken_sticker_is_refused(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    async with world.database() as store:
        order = await place_order(store, SITI)
    news = await approve(emu, order.id)
    assert news.button_texts() == []
    emu.send_text(SITI, f"/pay {order.id}")
    await emu.wait_for(SITI, contains=shown("qris.no_qr.cash_only"))

    # A villager cannot set the QRIS; a photo without a QR code, then a mistyped sticker.
    emu.send_photo(SITI, sticker_photo(STICKER), caption="/qris")
    await emu.wait_for(SITI, contains=shown("qris.not_manager"))
    emu.send_text(MANAGER, "/qris")
    await emu.wait_for(MANAGER, contains=shown("qris.ask_photo"))
    blank = io.BytesIO()
    Image.new("L", (400, 300), 255).save(blank, "PNG")
    emu.send_photo(MANAGER, blank.getvalue())
    await emu.wait_for(MANAGER, contains=shown("qris.no_code"))
    broken = payload(f60="KLATEN")[:-4] + "0000"
    emu.send_photo(MANAGER, sticker_photo(broken))
    reason = plain("en", "qris.refusal.bad_crc")
    await emu.wait_for(MANAGER, contains=shown("qris.refused", reason=reason))
    emu.send_text(MANAGER, f"/qris {payload(f58='MY')}")
    reason = plain("en", "qris.refusal.not_indonesia")
    await emu.wait_for(MANAGER, contains=shown("qris.refused", reason=reason))
    async with world.database() as store:
        assert (await store.centers.by_code("LEPING")).qris_payload is None
    emu.send_text(SITI, f"/pay {order.id}")
    await emu.wait_for(SITI, contains=shown("qris.no_qr.cash_only"))
    assert_html_always_valid(emu)


WANG, LI = 900002, 700003
PAYEE_LINK = "wxp://f2f0Xb3kQ1wQ-HeTaoPayee"


async def shanghe_order(store: Storage) -> ServiceRequest:
    """A CNY center managed by Wang, and Li's order of two bags of walnuts (¥12.50 each)."""
    center = await store.centers.add_center(
        "SHANGHE", "上河服务站", WANG, currency="CNY", language="zh"
    )
    walnuts = CatalogRow("HT-1", "核桃 1 斤", "干果", Money(1250, "CNY"), "袋", None)
    await store.catalog.import_rows(center.id, [walnuts])
    li = await store.users.join_center(LI, center.id)
    [item] = await store.catalog.search_items(center.id, "CNY")
    await store.carts.add(LI, item.product_id, center.id, 2)
    return await submit_order(store, li, center, Checkout(Fulfilment.PICKUP))


async def test_a_cny_center_sends_its_payee_qr_with_the_amount_to_pay(world: World) -> None:
    emu = world.emu
    emu.user(WANG, "王经理", language_code="zh")
    emu.user(LI, "李村民", language_code="zh")
    async with world.database() as store:
        await store.users.seen(WANG, "王经理", telegram_language="zh")
        await store.users.seen(LI, "李村民", telegram_language="zh")
        order = await shanghe_order(store)
    card = await emu.wait_for(WANG, contains=f"🧾 #{order.id} ·", after=0)

    # Wang sends /qris, then the photo of the shop's WeChat payee code.
    emu.send_text(WANG, "/qris")
    await emu.wait_for(WANG, contains=shown("qris.ask_payee_photo", "zh"))
    emu.send_photo(WANG, sticker_photo(PAYEE_LINK))
    await emu.wait_for(WANG, contains=shown("qris.payee_saved", "zh", center="上河服务站"))
    async with world.database() as store:
        center = await store.centers.by_code("SHANGHE")
    assert (center.payee_qr, center.qris_payload) == (PAYEE_LINK, None)

    emu.press(WANG, card.message_id, button_text=label("action.approve", "zh"))
    news = await emu.wait_for(LI, contains=part_of("notify.approve", "zh"))
    pay = label("qris.payee_button", "zh", number=order.id)
    assert news.button_texts() == [pay]
    emu.press(LI, news.message_id, button_text=pay)
    picture = await emu.wait_for(LI, lambda m: m.kind == "photo")
    assert codes_in(emu, picture) == [PAYEE_LINK]
    assert picture.caption == shown(
        "qris.payee_caption", "zh", number=order.id, amount="¥25.00", merchant="上河服务站"
    )
    assert "请支付 ¥25.00" in picture.caption
    await assert_all_answered(emu)
    assert_html_always_valid(emu)
