"""Service price lists through the real store, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.domain.money import Money
from bot.domain.pipeline import RequestKind
from bot.domain.prices_csv import PriceRow, default_price_rows, parse_prices_csv
from storage import Storage

MANAGER = 500
HEADER = "kind,operator,code,name,price,commission\n"


def idr(minor: int) -> Money:
    return Money(minor, "IDR")


def topup(code: str, name: str, price: int, commission: int = 0) -> PriceRow:
    return PriceRow(RequestKind.TOPUP, "telkomsel", code, name, idr(price), idr(commission))


async def test_imported_prices_are_what_villagers_are_offered_cheapest_first(
    store: Storage,
) -> None:
    center = await store.centers.add_center("LEPING", "Desa Leping", MANAGER)
    rows = parse_prices_csv(
        HEADER
        + "topup,telkomsel,telkomsel-P10,Pulsa 10.000,11000,500\n"  # a default, cheaper now
        + "topup,telkomsel,TSEL-P1,Pulsa 1.000,2000,\n",  # a new, cheapest product
        "IDR",
    )

    result = await store.services.import_prices(center, rows)

    assert (result.added, result.updated) == (1, 1)
    offered = await store.services.topups_for(center, "telkomsel")
    assert [(p.code, p.price, p.commission) for p in offered[:3]] == [
        ("TSEL-P1", idr(2000), idr(0)),
        ("telkomsel-P5", idr(6500), idr(1000)),  # a default the file left alone
        ("telkomsel-P10", idr(11000), idr(500)),
    ]
    assert [p.price.minor for p in offered] == sorted(p.price.minor for p in offered)


async def test_a_new_center_exports_its_defaults_and_reimporting_changes_nothing(
    store: Storage,
) -> None:
    center = await store.centers.add_center("HEFEI", "Hefei Cun", MANAGER, currency="CNY")

    exported = await store.services.export_prices(center)

    assert exported == default_price_rows("CNY")
    assert {row.operator for row in exported if row.operator} == {"cmcc", "unicom", "telecom"}
    result = await store.services.import_prices(center, exported)
    assert (result.added, result.updated) == (0, len(exported))
    assert await store.services.export_prices(center) == exported


async def test_a_code_in_another_case_updates_the_same_product(store: Storage) -> None:
    center = await store.centers.add_center("LEPING", "Desa Leping", MANAGER)
    await store.services.import_prices(center, [topup("TSEL-P1", "Pulsa 1.000", 2000)])

    result = await store.services.import_prices(center, [topup("tsel-p1", "Pulsa 1rb", 1900)])

    assert (result.added, result.updated) == (0, 1)
    cheapest = (await store.services.topups_for(center, "telkomsel"))[0]
    assert (cheapest.code, cheapest.name, cheapest.price) == ("tsel-p1", "Pulsa 1rb", idr(1900))


async def test_prices_of_one_center_leave_another_alone(store: Storage) -> None:
    leping = await store.centers.add_center("LEPING", "Desa Leping", MANAGER)
    sragen = await store.centers.add_center("SRAGEN", "Desa Sragen", MANAGER)
    before = await store.services.export_prices(sragen)

    await store.services.import_prices(leping, [topup("telkomsel-P5", "Pulsa 5.000", 6000)])

    assert await store.services.export_prices(sragen) == before
