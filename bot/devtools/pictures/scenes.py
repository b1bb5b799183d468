"""The pictures the README shows, each a scene played by the real bot against the emulator.

A scene is a demo script (the syntax of `kiosdesa demo --script`) in two parts: `setup`
brings the chat to the moment worth showing, `shown` is what the picture draws: the messages
of `chat` that arrive, and what its person types, from the first shown step on (edits
of earlier messages are not drawn). To add a picture, add a Scene to SCENES.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.qris import crc16


@dataclass(frozen=True)
class Scene:
    """One picture: its file name, whose chat it shows, and the steps that lead there."""

    name: str  # the PNG's name, without .png
    chat: str  # "villager" or "manager": whose chat is drawn
    title: str  # under the bot's name in the picture's header
    setup: str  # script steps played before the picture starts
    shown: str  # script steps whose messages the picture draws
    # A text the chat must show before the picture is taken (a message the bot sends
    # after a slow step, such as a chart it draws); empty: as soon as the bot is quiet.
    wait_for: str = ""


MANAGER_OPENS = "manager: /start\n"
VILLAGER_JOINS = "villager: /start LEPING\nvillager: contact\n"
FILLS_CART = """\
villager: minyk goreng
villager: 1
villager: press 2
villager: press Add to cart
"""
CHECKS_OUT = """\
villager: /cart
villager: press Checkout
villager: press Delivery
villager: location
villager: The house with the green door, next to the mosque
villager: press Confirm
"""
DELIVERS = """\
manager: press Approve
manager: press Out for delivery
manager: press Delivered
manager: press Paid cash
"""


def _field(tag: str, value: str) -> str:
    """One field of a QRIS payload: tag, two-digit length, value."""
    return f"{tag}{len(value):02d}{value}"


def _sticker() -> str:
    """The static QRIS printed on the Leping center's counter sticker (a made-up merchant)."""
    account = _field("00", "ID.CO.QRIS.WWW") + _field("02", "ID1020000000001") + _field("03", "UMI")
    fields = (
        ("00", "01"),
        ("01", "11"),  # static: the payer types the amount, unless the bot fills it in
        ("51", account),
        ("52", "5411"),
        ("53", "360"),
        ("58", "ID"),
        ("59", "KIOS DESA LEPING"),
        ("60", "BOYOLALI"),
    )
    body = "".join(_field(tag, value) for tag, value in fields) + "6304"
    return body + crc16(body)


# The manager stores the sticker's code once; from then on approved orders have a Pay button.
STORES_QRIS = f"manager: /qris {_sticker()}\n"

SCENES: tuple[Scene, ...] = (
    Scene(
        name="villager-search",
        chat="villager",
        title="Siti, a villager, looks for cooking oil",
        setup=MANAGER_OPENS + VILLAGER_JOINS,
        shown=FILLS_CART,
    ),
    Scene(
        name="villager-checkout",
        chat="villager",
        title="Siti orders for delivery",
        setup=MANAGER_OPENS + VILLAGER_JOINS + FILLS_CART,
        shown=CHECKS_OUT,
    ),
    Scene(
        name="manager-card",
        chat="manager",
        title="Pak Joko, the manager, gets the order",
        setup=MANAGER_OPENS
        + VILLAGER_JOINS
        + FILLS_CART
        + CHECKS_OUT.replace("villager: press Confirm\n", ""),
        shown="villager: press Confirm\nmanager: /queue\n",
    ),
    Scene(
        name="manager-report",
        chat="manager",
        title="The day's figures",
        setup=MANAGER_OPENS + VILLAGER_JOINS + FILLS_CART + CHECKS_OUT + DELIVERS,
        shown="manager: /report\n",
        wait_for="requests and revenue",  # the chart's caption
    ),
    Scene(
        name="villager-qris",
        chat="villager",
        title="Siti pays her approved order by QRIS",
        setup=MANAGER_OPENS + STORES_QRIS + VILLAGER_JOINS + FILLS_CART + CHECKS_OUT,
        shown="manager: press Approve\nvillager: press Pay #1 (QRIS)\n",
    ),
    Scene(
        name="manager-poster",
        chat="manager",
        title="The poster villagers scan to join",
        setup=MANAGER_OPENS,
        shown="manager: /poster\n",
    ),
)
