"""What paying a request by QR code needs to read: whether it is still unpaid."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from bot.domain.pay_by_qr import UNPAID
from storage.db import Database
from storage.schema import centers, requests

_PAYMENT = sa.select(requests.c.payment).where(
    requests.c.id == sa.bindparam("request_id", type_=requests.c.id.type)
)
# Of some requests, those unpaid at a center that takes payment by QR code.
_UNPAID_WITH_QR = (
    sa.select(requests.c.id)
    .select_from(requests.join(centers, centers.c.id == requests.c.center_id))
    .where(
        requests.c.id.in_(sa.bindparam("ids", expanding=True)),
        requests.c.payment == UNPAID,
        sa.or_(
            sa.and_(centers.c.currency != "CNY", centers.c.qris_payload.is_not(None)),
            sa.and_(centers.c.currency == "CNY", centers.c.payee_qr.is_not(None)),
        ),
    )
)


class QrPayments:
    """Reads about paying requests by QR code."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def payment_of(self, request_id: int) -> str | None:
        """How the request stands as to payment ("unpaid"...); None for an unknown request."""
        rows = await self.db.fetch(_PAYMENT, {"request_id": request_id})
        return str(rows[0].payment) if rows else None

    async def unpaid_with_qr(self, request_ids: Sequence[int]) -> set[int]:
        """Those of the requests still unpaid whose center takes payment by QR code."""
        if not request_ids:
            return set()
        rows = await self.db.fetch(_UNPAID_WITH_QR, {"ids": list(request_ids)})
        return {int(row.id) for row in rows}
