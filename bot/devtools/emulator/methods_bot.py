"""Bot-level Bot API methods: identity, updates, webhook, commands, menu button, files."""

from __future__ import annotations

import re
from typing import Any

from bot.devtools.emulator.models import JSON, ApiError, bad_request
from bot.devtools.emulator.params import Call
from bot.devtools.emulator.render import file_api
from bot.devtools.emulator.state import EmulatorState
from bot.devtools.emulator.webhook import is_loopback

MAX_POLL_TIMEOUT = 50
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})
ALL_SCOPES = CHAT_SCOPES | {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
}
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
WEBHOOK_SET = "Conflict: terminated by setWebhook request"
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
SUPERSEDED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


async def get_me(state: EmulatorState, call: Call) -> Any:
    """getMe."""
    return {
        **state.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def get_updates(state: EmulatorState, call: Call) -> Any:
    """getUpdates with long polling; a newer call ends an older one with 409 like Telegram."""
    if state.webhook.url:
        raise ApiError(409, WEBHOOK_ACTIVE)
    limit = min(max(call.int_opt("limit") or 100, 1), 100)
    timeout = min(max(call.float_opt("timeout") or 0.0, 0.0), MAX_POLL_TIMEOUT)
    queue = state.updates
    queue.confirm(call.int_opt("offset"))
    queue.poll_generation += 1
    generation = queue.poll_generation
    state.notifier.wake()  # lets an older poll notice it was superseded

    def ready() -> bool | None:
        """Stop waiting when updates exist, another poll started, a webhook came, or we stop."""
        done = len(queue) > 0 or queue.poll_generation != generation or state.closing
        return True if done or state.webhook.url else None

    await state.notifier.wait_until(ready, timeout)
    if state.webhook.url:
        raise ApiError(409, WEBHOOK_SET)
    if queue.poll_generation != generation:
        if call.connected():
            raise ApiError(409, SUPERSEDED)
        return []  # the client already gave up on this poll; nobody reads the answer
    return queue.take(limit)


async def delete_webhook(state: EmulatorState, call: Call) -> Any:
    """deleteWebhook: back to getUpdates; pending updates stay unless dropped."""
    state.webhook.url = ""
    state.webhook.secret_token = None
    if call.bool_opt("drop_pending_updates"):
        state.updates.clear()
    state.touch()  # ends the delivery loop
    return True


async def set_webhook(state: EmulatorState, call: Call) -> Any:
    """setWebhook: updates are then POSTed to the URL (see bot.devtools.emulator.webhook)."""
    url = call.str_opt("url") or ""
    if url and not (url.startswith("https://") or (url.startswith("http://") and is_loopback(url))):
        # Plain http is allowed to this machine only: a test's receiver has no certificate.
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = call.str_opt("secret_token")
    if secret is not None and not SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = call.json_opt("allowed_updates")
    if allowed is not None and not (
        isinstance(allowed, list) and all(isinstance(kind, str) for kind in allowed)
    ):
        raise bad_request("can't parse allowed updates")
    settings = state.webhook
    if url != settings.url:
        settings.last_error_date = settings.last_error_message = None
    settings.url, settings.secret_token = url, secret if url else None
    if allowed is not None:  # absent: the previous setting stays, as in Telegram
        settings.allowed_updates = list(allowed)
    settings.max_connections = call.int_opt("max_connections") or settings.max_connections
    if call.bool_opt("drop_pending_updates"):
        state.updates.clear()
    state.touch()  # ends a pending long poll and wakes the delivery loop
    return True


async def get_webhook_info(state: EmulatorState, call: Call) -> Any:
    """getWebhookInfo: the URL, what waits for delivery and the latest delivery error."""
    settings = state.webhook
    info: JSON = {
        "url": settings.url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if settings.url:
        info["max_connections"] = settings.max_connections
        if settings.allowed_updates:
            info["allowed_updates"] = list(settings.allowed_updates)
    if settings.last_error_date is not None:
        info["last_error_date"] = settings.last_error_date
        info["last_error_message"] = settings.last_error_message
    return info


async def close_or_log_out(state: EmulatorState, call: Call) -> Any:
    """close / logOut: nothing to release in the emulator."""
    return True


def scope_key(call: Call) -> tuple[str, int | None, str]:
    """(scope type, chat_id, language_code) identifying one command list."""
    scope = call.json_opt("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in ALL_SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    chat_id: int | None = None
    if scope["type"] in CHAT_SCOPES:
        try:
            chat_id = int(scope["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise bad_request("chat not found") from None
    language = call.str_opt("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return scope["type"], chat_id, language


async def set_my_commands(state: EmulatorState, call: Call) -> Any:
    """setMyCommands: validated and stored per scope and language."""
    key = scope_key(call)
    _, chat_id, _ = key
    if chat_id is not None and chat_id > 0 and not state.chat(chat_id).opened:
        # Telegram knows a private chat only once the user has written to the bot.
        raise bad_request("chat not found")
    commands = call.json_opt("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    cleaned: list[JSON] = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not COMMAND_RE.match(command.lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("command description is empty or too long")
        cleaned.append({"command": command.lower(), "description": description})
    state.commands[key] = cleaned
    return True


async def get_my_commands(state: EmulatorState, call: Call) -> Any:
    """getMyCommands: exactly the stored list for the scope, no fallback."""
    return state.commands.get(scope_key(call), [])


async def delete_my_commands(state: EmulatorState, call: Call) -> Any:
    """deleteMyCommands."""
    state.commands.pop(scope_key(call), None)
    return True


async def set_chat_menu_button(state: EmulatorState, call: Call) -> Any:
    """setChatMenuButton: stored per chat (None = the default button)."""
    button = call.json_opt("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise bad_request("can't parse menu button JSON object")
    state.menu_buttons[call.chat_id(required=False)] = button
    return True


async def get_chat_menu_button(state: EmulatorState, call: Call) -> Any:
    """getChatMenuButton."""
    chat_id = call.chat_id(required=False)
    fallback = state.menu_buttons.get(None, {"type": "commands"})
    return state.menu_buttons.get(chat_id, fallback)


async def get_file(state: EmulatorState, call: Call) -> Any:
    """getFile: the path is relative; PTB prefixes base_file_url + token."""
    stored = state.files.get(call.str_opt("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return file_api(stored)


METHODS = {
    "getme": get_me,
    "getupdates": get_updates,
    "deletewebhook": delete_webhook,
    "setwebhook": set_webhook,
    "getwebhookinfo": get_webhook_info,
    "close": close_or_log_out,
    "logout": close_or_log_out,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "setchatmenubutton": set_chat_menu_button,
    "getchatmenubutton": get_chat_menu_button,
    "getfile": get_file,
}
