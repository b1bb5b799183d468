"""What a person is told about a sheet (a catalog or a price list) that was not imported."""

from __future__ import annotations

from bot.domain.catalog_chat import shown_errors
from bot.domain.sheet import Problem, RowError
from bot.views.texts import Html, counted, h, plain, t


def problem_text(locale: str, problem: Problem) -> str:
    """One problem in `locale`, as plain text (for the terminal)."""
    return plain(locale, problem.key, **problem.values)


def problem_html(locale: str, problem: Problem) -> Html:
    """One problem in `locale`, its values escaped for a chat message."""
    return h(locale, problem.key, **problem.values)


def rejected_text(locale: str, errors: list[RowError]) -> str:
    """Nothing imported: the first bad lines with their reasons, and how many more (HTML)."""
    shown, more = shown_errors(errors)
    lines = [
        h(locale, "sheet.error_line", line=e.line, message=problem_html(locale, e.problem))
        for e in shown
    ]
    if more:
        lines.append(h(locale, "sheet.error_more", count=more))
    return t(
        locale,
        "sheet.rejected",
        problems=counted(locale, "plural.problems", len(errors)),
        lines=Html("\n".join(lines)),
    )
