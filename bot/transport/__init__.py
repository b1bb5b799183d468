"""How messages reach Telegram: the outbox sender, the broadcaster, pacing, HTTP, update order."""
