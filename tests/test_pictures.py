"""The README's pictures of the chats: made again from real runs, they show what they say."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from bot.devtools.pictures import Picture, make_pictures
from bot.devtools.pictures.record import Bubble
from bot.devtools.pictures.scenes import SCENES
from bot.domain.qris import parse_qris
from tests.unit.test_qris import reference_crc

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def bubbles(pictures: list[Picture], name: str) -> list[Bubble]:
    """The bubbles the picture `name` was drawn from."""
    return next(p.chat.bubbles for p in pictures if p.path.stem == name)


def texts(pictures: list[Picture], name: str) -> str:
    """Every text of a picture's bubbles and buttons, one a line."""
    found = []
    for bubble in bubbles(pictures, name):
        found.append(bubble.text)
        found.extend(label for row in bubble.buttons for label in row)
    return "\n".join(found)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> list[Picture]:
    """Every scene played once, into a fresh folder (as `python -m bot.devtools.pictures`)."""
    return asyncio.run(make_pictures(tmp_path_factory.mktemp("pictures")))


def test_every_scene_is_drawn_as_a_png_of_a_phone_screen(pictures: list[Picture]) -> None:
    assert [p.path.name for p in pictures] == [f"{s.name}.png" for s in SCENES]
    for picture in pictures:
        with Image.open(picture.path) as image:
            assert image.format == "PNG"
            assert image.width == 840 and 400 < image.height < 6000, picture.path
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 50, f"{picture.path} looks blank"


def test_the_pictures_show_the_chats_they_are_named_after(pictures: list[Picture]) -> None:
    search = texts(pictures, "villager-search")
    assert search.startswith("minyk goreng\n")  # what Siti typed, on her side
    assert bubbles(pictures, "villager-search")[0].mine
    assert "Minyak Goreng 1 liter — IDR18,000" in search and "✓ 2" in search
    checkout = texts(pictures, "villager-checkout")
    assert "The house with the green door, next to the mosque" in checkout
    assert "Order sent!" in checkout and "Total: IDR36,000" in checkout
    card = bubbles(pictures, "manager-card")
    assert card[0].text.startswith("🧾 #1 · Goods order\n👤 Siti")
    assert card[0].buttons == [["Approve", "Reject"]]
    assert card[1].mine and card[1].text == "/queue"
    report = bubbles(pictures, "manager-report")
    assert "Revenue: IDR36,000" in report[1].text
    chart = report[2].image
    assert chart is not None and Image.open(io.BytesIO(chart)).format == "PNG"


def test_the_poster_in_its_picture_still_scans(pictures: list[Picture]) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="the QR decoder zxing-cpp is not installed")
    path = next(p.path for p in pictures if p.path.stem == "manager-poster")

    with Image.open(path) as image:
        found = [result.text for result in zxingcpp.read_barcodes(image)]

    assert found == ["https://t.me/kiosdesa_bot?start=LEPING"]


def test_the_qris_in_its_picture_pays_the_order_to_the_rupiah(pictures: list[Picture]) -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="the QR decoder zxing-cpp is not installed")
    path = next(p.path for p in pictures if p.path.stem == "villager-qris")
    news, picture = bubbles(pictures, "villager-qris")
    assert news.text.startswith("👍 Your order #1 was approved")
    assert news.buttons == [["💳 Pay #1 (QRIS)"]]
    assert picture.image is not None
    assert picture.text.startswith("🧾 #1 · IDR36,000 to KIOS DESA LEPING\n")

    with Image.open(path) as image:
        [found] = [result.text for result in zxingcpp.read_barcodes(image)]

    qris = parse_qris(found)  # every field and the CRC checked
    assert (qris.value("01"), qris.amount, qris.value("53")) == ("12", "36000", "360")
    assert qris.merchant_name == "KIOS DESA LEPING"
    assert found[-8:-4] == "6304" and found[-4:] == reference_crc(found[:-4])


def test_the_readme_shows_every_picture_and_each_is_committed() -> None:
    shown = re.findall(r"docs/pictures/([\w-]+)\.png", README.read_text("utf-8"))

    assert sorted(set(shown)) == sorted(scene.name for scene in SCENES)
    for name in shown:
        assert (ROOT / "docs" / "pictures" / f"{name}.png").is_file(), name
