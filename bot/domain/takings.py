"""What the money of a report's period did: taken in cash and QRIS, given on credit, paid back,
and what is still owed when the period ends. Pure rules over the ledger's rows.

Every figure comes from the payment ledger (one row per money event, never changed), counted
by when the event was recorded, not by when the request was submitted or completed:
- cash and QRIS: requests paid that way in the period;
- credit given: requests put on a villager's tab in the period;
- credit repaid: money paid back on tabs in the period, by cash and by QRIS;
- still owed: the sum of every row's change to a debt up to the end of the period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.money import Money
from bot.domain.payments import LedgerKind, PayMethod
from bot.domain.reports import Period, Window, bucket_of


@dataclass(frozen=True)
class PaymentEvent:
    """A ledger row as the reports and the export read it."""

    created_at: float
    request_id: int | None
    villager: str
    kind: LedgerKind
    method: PayMethod | None
    amount: Money
    recorded_by: str


@dataclass(frozen=True)
class Takings:
    """The period's money by way it moved, and the debt left at its end."""

    cash: Money
    qris: Money
    credit_given: Money
    repaid_cash: Money
    repaid_qris: Money
    owed: Money
    # Per hour (one-day report) or per day: (bar, cash, QRIS, credit given, repaid) in minor.
    buckets: list[tuple[date | int, int, int, int, int]]

    @property
    def repaid(self) -> Money:
        """Everything paid back on tabs in the period."""
        return self.repaid_cash + self.repaid_qris

    @property
    def received(self) -> Money:
        """Money that came in: requests paid in cash or QRIS, and tabs paid back."""
        return self.cash + self.qris + self.repaid

    @property
    def moved(self) -> bool:
        """Whether any money was recorded in the period (received or given on credit)."""
        return bool(self.received.minor or self.credit_given.minor)

    @property
    def any(self) -> bool:
        """Whether the period moved any money or leaves any debt."""
        return self.moved or bool(self.owed.minor)


def column_of(event: PaymentEvent) -> int:
    """Which money column of a bar an event adds to: 0 cash, 1 QRIS, 2 credit, 3 repaid."""
    if event.kind is LedgerKind.REPAYMENT:
        return 3
    return {LedgerKind.CASH: 0, LedgerKind.QRIS: 1, LedgerKind.CREDIT: 2}[event.kind]


def takings(
    events: Iterable[PaymentEvent], owed_minor: int, window: Window, currency: str
) -> Takings:
    """The figures of the events recorded in the window; `owed_minor` is the center's debt
    book summed up to the window's end."""
    shown = [e for e in events if window.contains(e.created_at)]

    def total(kind: LedgerKind, method: PayMethod | None = None) -> Money:
        amounts = (
            e.amount.minor
            for e in shown
            if e.kind is kind and (method is None or e.method is method)
        )
        return Money(sum(amounts), currency)

    return Takings(
        cash=total(LedgerKind.CASH),
        qris=total(LedgerKind.QRIS),
        credit_given=total(LedgerKind.CREDIT),
        repaid_cash=total(LedgerKind.REPAYMENT, PayMethod.CASH),
        repaid_qris=total(LedgerKind.REPAYMENT, PayMethod.QRIS),
        owed=Money(owed_minor, currency),
        buckets=money_buckets(shown, window),
    )


def money_buckets(
    events: Sequence[PaymentEvent], window: Window
) -> list[tuple[date | int, int, int, int, int]]:
    """Cash, QRIS, credit given and repaid (minor units) per hour or per day, every bar present."""
    keys: list[date | int] = list(range(24)) if window.period is Period.DAY else list(window.days())
    sums: dict[date | int, list[int]] = {key: [0, 0, 0, 0] for key in keys}
    for event in events:
        sums[bucket_of(event.created_at, window)][column_of(event)] += event.amount.minor
    return [(key, s[0], s[1], s[2], s[3]) for key, s in sums.items()]
