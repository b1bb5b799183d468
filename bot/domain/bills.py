"""Bill payments: which bills a center pays, how their customer numbers are checked, fees.

Pure rules; the manager pays the bill with the provider and sends back a receipt or token.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from bot.domain.amounts import require_positive, split_amounts
from bot.domain.money import Money, minor_digits
from bot.domain.validators import (
    parse_bpjs_number,
    parse_meter_number,
    parse_pdam_customer,
    parse_postpaid_id,
    parse_token,
)


class BillKind(StrEnum):
    """The bills villagers bring to the center."""

    PLN_PREPAID = "plnpre"  # electricity token: the price is the token's value plus the fee
    PLN_POSTPAID = "plnpost"
    PDAM = "pdam"  # water
    BPJS = "bpjs"  # health insurance


CUSTOMER_CHECKS: dict[BillKind, Callable[[str], str]] = {
    BillKind.PLN_PREPAID: parse_meter_number,
    BillKind.PLN_POSTPAID: parse_postpaid_id,
    BillKind.PDAM: parse_pdam_customer,
    BillKind.BPJS: parse_bpjs_number,
}
# Token values on sale, in major units of the currency.
TOKEN_VALUES = (20_000, 50_000, 100_000, 200_000, 500_000)


def priced_up_front(bill: BillKind) -> bool:
    """Only a prepaid token has a known price; other bills are looked up and quoted."""
    return bill is BillKind.PLN_PREPAID


def check_customer(bill: BillKind, text: str) -> str:
    """The customer or meter number, cleaned; ValidationError with a reason otherwise."""
    return CUSTOMER_CHECKS[bill](text)


def token_price(value_major: int, currency: str) -> Money:
    """A token's value as money, for a value offered in TOKEN_VALUES."""
    if value_major not in TOKEN_VALUES:
        raise ValueError(f"no token of {value_major}")
    return Money(value_major * 10 ** minor_digits(currency), currency)


def check_reference(bill: BillKind | None, text: str) -> str:
    """The manager's answer when paying: a 20-digit token for prepaid, else a receipt number."""
    if bill is BillKind.PLN_PREPAID:
        return parse_token(text)
    return text.strip()[:100]


def parse_quote(text: str, usual_fee: Money) -> tuple[Money, Money]:
    """The manager's quote typed as "AMOUNT [FEE]"; the fee defaults to the center's.

    Raises MoneyError (a ValueError; AmountRefused when an amount is unreadable) otherwise.
    """
    amounts = split_amounts(text.replace("+", " "), usual_fee.currency, most=2)
    amount = require_positive(amounts[0])
    return amount, amounts[1] if len(amounts) == 2 else usual_fee
