"""Pure rules and the types they speak in: imports nothing of ours and nothing of Telegram."""
