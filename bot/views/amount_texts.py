"""Why a typed amount was refused, in the user's words, with examples for the currency."""

from __future__ import annotations

from bot.domain.amounts import AmountProblem, AmountRefused
from bot.views.texts import Html, t


def amount_refusal(locale: str, refused: AmountRefused) -> Html:
    """The reason ("Rupiah have no decimals...") and how to write an amount in its currency."""
    key = f"amount.{refused.problem.value}"
    if refused.problem is AmountProblem.DECIMALS:
        key = f"{key}.{refused.currency}"
    reason = t(locale, key, currency=refused.currency)
    return Html(f"{reason} {t(locale, f'amount.examples.{refused.currency}')}")


def refusal_after(locale: str, error: Exception) -> Html:
    """A new line with the amount's refusal, if `error` is one; else nothing."""
    if isinstance(error, AmountRefused):
        return Html("\n" + amount_refusal(locale, error))
    cause = error.__cause__
    if isinstance(cause, AmountRefused):
        return Html("\n" + amount_refusal(locale, cause))
    return Html("")
