"""One check of `kiosdesa doctor`: passed or failed, and what the operator reads about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report: `ok   token: ...` or `FAIL webhook: ...`."""

    passed: bool
    topic: str
    detail: str

    @property
    def line(self) -> str:
        """The line the operator reads."""
        return f"{'ok  ' if self.passed else 'FAIL'} {self.topic}: {self.detail}"


def ok(topic: str, detail: str) -> Check:
    """A check that passed."""
    return Check(True, topic, detail)


def fail(topic: str, detail: str) -> Check:
    """A check that failed, with what to do about it."""
    return Check(False, topic, detail)
