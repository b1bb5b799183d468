"""`kiosdesa doctor` looks at every bot of `kiosdesa bot list`, not only the default one: one
line a bot, by its name and @username, saying what keeps its updates from it."""

from __future__ import annotations

from pathlib import Path

from bot.devtools.emulator import BotApiEmulator
from tests.conftest import open_storage
from tests.test_cli import Kiosdesa
from tests.test_doctor import TOKEN, doctor, open_leping, report

PUBLIC = "https://kios.example/telegram"
KLATEN_TOKEN = "654321:AAKlaten-secret-half"
SUMBER_TOKEN = "765432:AASumber-secret-half"
# A bot whose token was revoked at @BotFather after it was added: Telegram answers 401.
LAMA_TOKEN = "876543:AALama-secret-half"
SITI = 700001


async def register_bots(kiosdesa: Kiosdesa) -> None:
    """The operator's bots besides the default one, as `kiosdesa bot add` keeps them."""
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        await store.bots.add(654321, "klaten", KLATEN_TOKEN, "kios_klaten_bot")
        await store.bots.add(765432, "sumber", SUMBER_TOKEN, "kios_sumber_bot")
        await store.bots.add(876543, "lama", LAMA_TOKEN, "kios_lama_bot")


def telegram_with_bots() -> BotApiEmulator:
    """The default bot and two of the registry's; the third's token is no longer known."""
    telegram = BotApiEmulator()
    telegram.add_bot(TOKEN, username="kiosdesa_bot")
    telegram.add_bot(KLATEN_TOKEN, username="kios_klaten_bot")
    telegram.add_bot(SUMBER_TOKEN, username="kios_sumber_bot")
    telegram.user(SITI, "Siti", language_code="id")
    return telegram


def assert_no_token_shown(output: str) -> None:
    """The secret half of no token is printed."""
    for token in (TOKEN, KLATEN_TOKEN, SUMBER_TOKEN, LAMA_TOKEN):
        assert token.partition(":")[2] not in output


async def test_polling_each_registry_bot_has_its_line(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    await open_leping(kiosdesa, manager_opened=True)
    await register_bots(kiosdesa)
    async with telegram_with_bots() as telegram:
        sumber = telegram.bot(SUMBER_TOKEN)
        # Left in webhook mode by an old deployment: its updates wait for a dead address.
        sumber.state.webhook.url = f"https://old.example/hook/{SUMBER_TOKEN}"
        sumber.state.webhook.last_error_message = "Connection refused"
        sumber.state.webhook.last_error_date = 1
        sumber.send_text(SITI, "/start")
        sumber.send_text(SITI, "halo")
        done = await doctor(kiosdesa, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url)

    assert_no_token_shown(done.stdout)
    lines = report(done)
    assert done.returncode == 1
    assert lines["webhook"] == "ok   webhook: none set, so long polling gets the updates"
    assert list(lines)[-3:] == ["bot klaten", "bot lama", "bot sumber"]  # as bot list shows
    assert lines["bot klaten"] == (
        "ok   bot klaten: @kios_klaten_bot's webhook: none set, so long polling gets the updates"
    )
    assert lines["bot sumber"] == (
        "FAIL bot sumber: @kios_sumber_bot's webhook: set to https://old.example/… "
        "(2 updates wait, its last post failed (Connection refused)): long polling gets no "
        "updates while it is set; stop whatever serves it (kiosdesa run removes it at start)"
    )
    assert lines["bot lama"] == (
        "FAIL bot lama: Telegram rejected @kios_lama_bot's token 876543:AAL…alf (Unauthorized): "
        "was it revoked at @BotFather?"
    )


async def test_webhook_mode_each_registry_bot_is_checked_at_its_own_address(
    tmp_path: Path,
) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    await open_leping(kiosdesa, manager_opened=True)
    await register_bots(kiosdesa)
    async with telegram_with_bots() as telegram:
        telegram.bot(TOKEN).state.webhook.url = f"{PUBLIC}/123456"
        telegram.bot(KLATEN_TOKEN).state.webhook.url = f"{PUBLIC}/654321"
        sumber = telegram.bot(SUMBER_TOKEN)
        sumber.state.webhook.url = f"{PUBLIC}/765432"  # its own, but the posts fail
        sumber.state.webhook.last_error_message = "Wrong response from the webhook: 502"
        sumber.state.webhook.last_error_date = 1
        sumber.send_text(SITI, "/start")
        env = {"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url, "WEBHOOK_URL": PUBLIC}
        done = await doctor(kiosdesa, **env)
        # Then another deployment takes klaten's webhook for itself.
        telegram.bot(KLATEN_TOKEN).state.webhook.url = "https://other.example/hook"
        taken = await doctor(kiosdesa, **env)

    assert_no_token_shown(done.stdout + taken.stdout)
    lines = report(done)
    assert lines["webhook"].startswith(f"ok   webhook: set to {PUBLIC}/123456: ")
    assert lines["bot klaten"] == (
        f"ok   bot klaten: @kios_klaten_bot's webhook: set to {PUBLIC}/654321: "
        "Telegram posts the updates there (0 wait)"
    )
    assert lines["bot sumber"] == (
        f"FAIL bot sumber: @kios_sumber_bot's webhook: set to {PUBLIC}/765432, but Telegram's "
        "last post failed (Wrong response from the webhook: 502) and 1 updates wait: check the "
        "reverse proxy and that kiosdesa run --webhook listens"
    )
    assert report(taken)["bot klaten"] == (
        "FAIL bot klaten: @kios_klaten_bot's webhook: set to https://other.example/…, not "
        f"{PUBLIC}/654321: another deployment may be serving this bot; kiosdesa run --webhook "
        "sets its own at start"
    )
