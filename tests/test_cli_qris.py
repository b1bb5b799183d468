"""`kiosdesa center set-qris` as an operator runs it: a real process, a real database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.views.texts import plain
from tests.conftest import open_storage
from tests.test_cli import Kiosdesa, add_leping, assert_one_line_failure
from tests.unit.test_qris import STICKER, payload


@pytest.fixture
def kiosdesa(tmp_path: Path) -> Kiosdesa:
    return Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")


async def test_operator_gives_a_center_its_qris_and_a_broken_one_changes_nothing(
    kiosdesa: Kiosdesa,
) -> None:
    add_leping(kiosdesa)
    shown = kiosdesa.ok("center", "set-qris", "LEPING", STICKER)
    assert shown == "LEPING takes QRIS: KIOS DESA LEPING, BOYOLALI\n"

    mistyped = kiosdesa("center", "set-qris", "LEPING", payload(f60="KLATEN")[:-1] + "0")
    reason = plain("en", "qris.refusal.bad_crc")
    assert assert_one_line_failure(mistyped) == f"kiosdesa: QRIS refused, nothing changed: {reason}"
    in_dollars = kiosdesa("center", "set-qris", "LEPING", payload(f53="840"))
    assert assert_one_line_failure(in_dollars).endswith(plain("en", "qris.refusal.not_rupiah"))
    unknown = kiosdesa("center", "set-qris", "NOWHERE", STICKER)
    assert assert_one_line_failure(unknown) == "kiosdesa: no center with code NOWHERE"

    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        center = await store.centers.by_code("LEPING")
    assert center.qris_payload == STICKER and center.payee_qr is None


async def test_a_cny_center_keeps_its_payee_qr_as_it_is(kiosdesa: Kiosdesa) -> None:
    for code, manager in (("SHANGHE", "42"), ("XIAHE", "43")):
        kiosdesa.ok(
            "center", "add", code, "--name", code, "--manager", manager, "--currency", "CNY"
        )
    link = "wxp://f2f0Xb3kQ1wQ-payee"
    assert kiosdesa.ok("center", "set-qris", "SHANGHE", link) == (
        f"SHANGHE keeps its payee QR: {len(link)} characters\n"
    )
    empty = kiosdesa("center", "set-qris", "XIAHE", "  ")
    assert assert_one_line_failure(empty).endswith(plain("en", "qris.refusal.empty"))
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        shanghe, xiahe = (
            await store.centers.by_code("SHANGHE"),
            await store.centers.by_code("XIAHE"),
        )
    assert (shanghe.payee_qr, shanghe.qris_payload) == (link, None)
    assert xiahe.payee_qr is None
