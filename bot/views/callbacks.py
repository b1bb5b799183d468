"""Callback data: built and parsed here only, as `prefix:id[:arg]`, at most 64 bytes.

Everything parsed is untrusted input: a modified client can send any string, so parsing
only proves the shape; handlers still authorize role, center and status on the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
# Ids are database keys (INTEGER: 32-bit on PostgreSQL); anything larger is forged, and
# would make asyncpg fail ("value out of int32 range") instead of finding no row.
MAX_ID = 2**31 - 1
# A request's id is 64 bits (BIGINT on PostgreSQL, migration 0018): buttons on a request
# carry ids up to PostgreSQL's largest.
MAX_REQUEST_ID = 2**63 - 1
_ARG = re.compile(r"^[a-z0-9_-]{1,16}$")

# Prefixes, one per kind of button; handler patterns are anchored on these.
PRODUCT = "prd"  # prd:<product_id>            show a product
ADD = "add"  # add:<product_id>:<qty>           put qty in the cart
CATEGORY = "cat"  # cat:<index>                 list a category
CART = "crt"  # crt:<product_id>:<inc|dec|rm>   change a cart line
CART_VIEW = "crv"  # crv:0                      show the cart again
CHECKOUT = "chk"  # chk:0:<step>                checkout dialog steps
REQUEST = "req"  # req:<request_id>:<action>    act on a request (Accept: ac-<quote version>)
REQUEST_VIEW = "rqv"  # rqv:<request_id>           open a request's card
QUEUE_PAGE = "que"  # que:<page>                manager queue page
ORDERS_PAGE = "ord"  # ord:<page>               villager's request list page
CENTER = "ctr"  # ctr:<center_id>               join this center
LANGUAGE = "lng"  # lng:0:<code>                choose a language
SEARCH_PAGE = "srp"  # srp:<page>               more search results
TOPUP = "tup"  # tup:<product_id> or tup:0:<step>  top-up dialog
BILL = "bil"  # bil:<token value>:tok or bil:0:<step>  bill dialog
TRAVEL = "trv"  # trv:<n>:<step>                 ticket and lodging dialogs
OPTION = "opt"  # opt:<request_id>:<n>-<version>  accept offer n of that quote
BROADCAST = "brd"  # brd:<broadcast_id>:<send|cancel>  a manager's announcement
ADMIN_PAGE = "adp"  # adp:<page>                 operator's list of centers
NEW_CENTER = "anc"  # anc:0:<step>               operator's new-center dialog
QUESTION = "qst"  # qst:<question_id>:<reply|close> or qst:0:ask  ask the manager
SELL = "sel"  # sel:0:<step> or sel:<n>:unit    the /sell produce dialog
NEW_PRODUCT = "pnw"  # pnw:<n>:<step>              the manager's /product dialog
PAY = "pay"  # pay:<request_id>                  the QR code to pay a request
PAID = "pd"  # pd:<request_id>:<cash|qris|credit>-<quote version>  record a payment
TABS_PAGE = "tbp"  # tbp:<page>                 the manager's /tabs page
TAB = "tab"  # tab:<center_id>:<p|r><villager id, base 36>  record a payment / remind
TAB_PAYMENT = "tpy"  # tpy:<n>:<cash|qris|no>     how a repayment was paid
STAFF_REMOVE = "stf"  # stf:<center_id>:<user_id>   take a helper off the center's staff
DESK = "dsk"  # dsk:<center_id>                  work on this center (/center)


def max_id(prefix: str) -> int:
    """The largest id a button of `prefix` carries: a request's, or another table's."""
    return MAX_REQUEST_ID if prefix in REQUEST_PREFIXES else MAX_ID


PREFIXES = frozenset(
    {
        TOPUP,
        BILL,
        TRAVEL,
        OPTION,
        BROADCAST,
        QUESTION,
        SELL,
        NEW_PRODUCT,
        PAY,
        PAID,
        TABS_PAGE,
        TAB,
        TAB_PAYMENT,
        PRODUCT,
        ADD,
        CATEGORY,
        CART,
        CART_VIEW,
        CHECKOUT,
        REQUEST,
        REQUEST_VIEW,
        QUEUE_PAGE,
        ORDERS_PAGE,
        CENTER,
        LANGUAGE,
        SEARCH_PAGE,
        ADMIN_PAGE,
        NEW_CENTER,
        STAFF_REMOVE,
        DESK,
    }
)
# The prefixes whose id is a request's (64 bits).
REQUEST_PREFIXES = frozenset({REQUEST, REQUEST_VIEW, OPTION, PAY, PAID})

# Where a press's update keeps, unparsed, the formatting and keyboard of the message the button
# sat under (PTB leaves unknown keys in Message.api_kwargs): what the person was looking at.
PRESSED_SHOWED = "kiosdesa_pressed_showed"


@dataclass(frozen=True)
class Callback:
    """A parsed press: the prefix, a non-negative id and an optional short argument."""

    prefix: str
    ident: int
    arg: str | None = None


def build(prefix: str, ident: int = 0, arg: str | None = None) -> str:
    """Return callback data for a button; raises ValueError if it would be invalid."""
    if prefix not in PREFIXES or not 0 <= ident <= max_id(prefix):
        raise ValueError(f"bad callback {prefix}:{ident}")
    if arg is not None and not _ARG.fullmatch(arg):
        raise ValueError(f"bad callback argument {arg!r}")
    data = f"{prefix}:{ident}" if arg is None else f"{prefix}:{ident}:{arg}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data over 64 bytes")
    return data


def parse(data: str | None) -> Callback | None:
    """Parse untrusted callback data; None when it is not of our shape."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) not in (2, 3) or parts[0] not in PREFIXES:
        return None
    ident_text = parts[1]
    if not (ident_text.isascii() and ident_text.isdigit()) or len(ident_text) > 19:
        return None
    if ident_text != str(int(ident_text)):  # "007": not how build() writes ids
        return None
    ident = int(ident_text)
    arg = parts[2] if len(parts) == 3 else None
    if ident > max_id(parts[0]) or (arg is not None and not _ARG.fullmatch(arg)):
        return None
    return Callback(parts[0], ident, arg)


def versioned(arg: str, version: int) -> str:
    """A button argument tied to the version of what its message shows: `ac-3`."""
    if not 0 <= version <= MAX_ID:
        raise ValueError(f"bad version {version}")
    return f"{arg}-{version}"


def version_of(arg: str | None) -> tuple[str | None, int | None]:
    """A versioned argument's parts, `ac-3` -> ("ac", 3); (arg, None) when it names none."""
    head, dash, tail = (arg or "").rpartition("-")
    if not dash or not (tail.isascii() and tail.isdigit()) or tail != str(int(tail)):
        return arg, None
    version = int(tail)
    return (head, version) if version <= MAX_ID else (arg, None)


def pattern(prefix: str) -> str:
    """The anchored regex a CallbackQueryHandler uses for `prefix`."""
    return f"^{re.escape(prefix)}:"


def step(prefix: str, name: str, ident: int = 0) -> str:
    """Callback data of a dialog's step button, `prefix:ident:name` (ident 0 unless it has one)."""
    return build(prefix, ident, name)


def step_pattern(prefix: str, *names: str, ident: int | None = 0) -> str:
    """The anchored regex of a dialog's step buttons `names`, with id `ident` (None: any id)."""
    idents = "[0-9]+" if ident is None else str(ident)
    choices = "|".join(re.escape(name) for name in names)
    return f"^{re.escape(prefix)}:{idents}:({choices})$"


def item_pattern(prefix: str) -> str:
    """The anchored regex of `prefix:<id>` buttons that carry a positive id and nothing else."""
    return f"^{re.escape(prefix)}:[1-9][0-9]*$"


# --- A villager's tab: Telegram user ids outgrow MAX_ID, so the argument carries them ---------
TAB_PAY, TAB_REMIND = "p", "r"
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_TAB_ARG = re.compile(r"^([pr])([1-9a-z][0-9a-z]{0,12})$")


def tab_button(center_id: int, action: str, villager_id: int) -> str:
    """Callback data of a /tabs button: `action` (TAB_PAY or TAB_REMIND) on a villager's tab."""
    if action not in (TAB_PAY, TAB_REMIND) or villager_id <= 0:
        raise ValueError(f"bad tab button {action}:{villager_id}")
    digits = ""
    rest = villager_id
    while rest:
        rest, digit = divmod(rest, 36)
        digits = _BASE36[digit] + digits
    return build(TAB, center_id, action + digits)


def parse_tab(data: str | None) -> tuple[int, str, int] | None:
    """The center id, action and villager id of a /tabs button; None if it is not one."""
    parsed = parse(data)
    if parsed is None or parsed.prefix != TAB:
        return None
    match = _TAB_ARG.fullmatch(parsed.arg or "")
    if match is None:
        return None
    return parsed.ident, match[1], int(match[2], 36)


def tab_pattern(action: str) -> str:
    """The anchored regex of /tabs buttons taking `action`."""
    return f"^{re.escape(TAB)}:[0-9]+:{re.escape(action)}"
