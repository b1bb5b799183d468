"""`kiosdesa doctor` in webhook mode: the webhook Telegram holds is the one `kiosdesa run
--webhook` sets, and Telegram's posts get through."""

from __future__ import annotations

from pathlib import Path

from bot.devtools.emulator import BotApiEmulator
from tests.test_cli import Kiosdesa
from tests.test_doctor import TOKEN, doctor, report

PUBLIC = "https://kios.example/telegram"
BOT_URL = f"{PUBLIC}/123456"


async def test_webhook_mode_passes_with_the_bots_own_webhook_set(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=TOKEN) as telegram:
        env = {"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url, "WEBHOOK_URL": PUBLIC}
        before_run = report(await doctor(kiosdesa, **env))
        telegram.state.webhook.url = BOT_URL
        running = report(await doctor(kiosdesa, **env))
        telegram.state.webhook.url = "https://old.example/hook"
        elsewhere = report(await doctor(kiosdesa, **env))
    assert before_run["webhook"] == (
        f"ok   webhook: none set yet: kiosdesa run --webhook sets {BOT_URL} at start"
    )
    assert running["webhook"] == (
        f"ok   webhook: set to {BOT_URL}: Telegram posts the updates there (0 wait)"
    )
    assert elsewhere["webhook"].startswith(
        f"FAIL webhook: set to https://old.example/…, not {BOT_URL}"
    )
