"""Starting price lists for a new center's services, until the manager sets their own.

Prices are what the villager pays; the commission is the center's margin on each sale.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.phones import OPERATORS, REGION_BY_CURRENCY


@dataclass(frozen=True)
class DefaultProduct:
    """One line of a default price list, in minor units of the center's currency."""

    code: str
    name: str
    price_minor: int
    commission_minor: int


# Credit denominations (face value, price) and data packages, the same for every operator.
_IDR_TOPUP = (
    DefaultProduct("P5", "Pulsa 5.000", 6_500, 1_000),
    DefaultProduct("P10", "Pulsa 10.000", 11_500, 1_000),
    DefaultProduct("P20", "Pulsa 20.000", 21_500, 1_000),
    DefaultProduct("P50", "Pulsa 50.000", 51_500, 1_000),
    DefaultProduct("P100", "Pulsa 100.000", 101_000, 1_000),
    DefaultProduct("D3", "Data 3 GB / 30 hari", 27_000, 2_000),
    DefaultProduct("D10", "Data 10 GB / 30 hari", 62_000, 2_000),
)
_CNY_TOPUP = (
    DefaultProduct("H30", "话费 30元", 30_50, 50),
    DefaultProduct("H50", "话费 50元", 50_50, 50),
    DefaultProduct("H100", "话费 100元", 100_50, 50),
    DefaultProduct("F5", "流量 5GB / 30天", 20_00, 100),
)


def default_topups(currency: str) -> list[tuple[str, DefaultProduct]]:
    """(operator code, product) pairs for every operator of the currency's country."""
    region = REGION_BY_CURRENCY.get(currency, "ID")
    products = _CNY_TOPUP if region == "CN" else _IDR_TOPUP
    return [(operator.code, product) for operator in OPERATORS[region] for product in products]


# The code of a kind's service fee in a center's price list.
FEE_CODE = "fee"
# Default service fees (major units): paying a bill, booking a ticket, booking a room.
_DEFAULT_FEES = {
    "IDR": {"bill": 2_500, "ticket": 10_000, "lodging": 15_000},
    "CNY": {"bill": 1, "ticket": 5, "lodging": 5},
}


def default_fees(currency: str) -> list[tuple[str, DefaultProduct]]:
    """(kind, fee product) pairs: the whole fee is the center's commission."""
    scale = 100 if currency == "CNY" else 1
    return [
        (kind, DefaultProduct(FEE_CODE, f"Service fee: {kind}", major * scale, major * scale))
        for kind, major in _DEFAULT_FEES.get(currency, _DEFAULT_FEES["IDR"]).items()
    ]
