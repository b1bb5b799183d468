"""Playing a scene: the demo's session runs the real bot, and the chat is kept as bubbles."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from bot.devtools.demo.render import Style
from bot.devtools.demo.script import Action, ActionKind, DemoError, Step, parse_script
from bot.devtools.demo.session import DemoSession
from bot.devtools.demo.transcript import Transcript
from bot.devtools.demo.world import DEMO_PHONE, HOME_LAT, HOME_LON, Person
from bot.devtools.emulator import SentMessage
from bot.devtools.pictures.scenes import Scene

# The pictures are for readers of the README, who read English.
LANGUAGE = "en"
# How long a scene waits for the text it waits for (a chart takes a few seconds).
WAIT_S = 60.0


@dataclass(frozen=True)
class Bubble:
    """One message as a chat shows it: who sent it, its text, picture and buttons."""

    mine: bool  # sent by the person whose chat it is (drawn on the right)
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    image: bytes | None = None
    document: str | None = None  # a file's name
    buttons: list[list[str]] = field(default_factory=list)
    edited: bool = False


@dataclass(frozen=True)
class ChatLog:
    """What a picture draws: the person's name, the bubbles, the keyboard left open."""

    scene: Scene
    person: str
    bubbles: list[Bubble]
    keyboard: list[list[str]]
    transcript: str  # the demo's text transcript of the whole scene, for checking


async def play(scene: Scene) -> ChatLog:
    """Play the scene's setup, then its shown steps, keeping the shown part of the chat."""
    out = io.StringIO()
    session = DemoSession(Transcript(out, Style(ansi=False)), LANGUAGE)
    async with session:
        await _play(session, parse_script(scene.setup, f"{scene.name} setup"))
        person = session.person(scene.chat)
        chat = session.emu.state.chat(person.user_id)
        start = chat.next_message_id
        typed = await _play(session, parse_script(scene.shown, scene.name), person)
        if scene.wait_for:
            await _shown(session, person, scene.wait_for)
        bot_bubbles = {m.message_id: _bot_bubble(m) for m in chat.messages if not m.deleted}
        shown = {**bot_bubbles, **typed}
        keyboard = chat.reply_keyboard
        return ChatLog(
            scene=scene,
            person=session.emu.state.users[person.user_id].first_name,
            bubbles=[shown[i] for i in sorted(shown) if i >= start],
            keyboard=[[b.text for b in row] for row in keyboard.rows] if keyboard else [],
            transcript=out.getvalue(),
        )


async def _play(
    session: DemoSession, steps: list[Step], drawn: Person | None = None
) -> dict[int, Bubble]:
    """Perform every step; the bubbles `drawn` typed, by message id."""
    typed: dict[int, Bubble] = {}
    for step in steps:
        person = session.person(step.who)
        chat = session.emu.state.chat(person.user_id)
        before = set(chat.user_message_ids)
        try:
            await session.perform(person, step.action)
        except DemoError as exc:
            raise DemoError(f"line {step.line} ({step.who}): {exc}") from exc
        if person == drawn:
            for message_id in chat.user_message_ids - before:
                typed[message_id] = _typed_bubble(step.action)
    return typed


async def _shown(session: DemoSession, person: Person, text: str) -> None:
    """Wait until the person's chat shows `text`; DemoError if it never does."""
    state = session.emu.state
    chat = state.chat(person.user_id)
    found = await state.notifier.wait_until(
        lambda: True if any(text in m.text for m in chat.messages) else None, WAIT_S
    )
    if found is None:
        raise DemoError(f"the {person.label}'s chat never showed {text!r}")


def _typed_bubble(action: Action) -> Bubble:
    """What the person sent, as their chat shows it."""
    if action.kind is ActionKind.CONTACT:
        return Bubble(mine=True, text=f"Contact\n+{DEMO_PHONE}")
    if action.kind is ActionKind.LOCATION:
        return Bubble(mine=True, text=f"Location\n{HOME_LAT:.4f}, {HOME_LON:.4f}")
    return Bubble(mine=True, text=action.value)


def _bot_bubble(message: SentMessage) -> Bubble:
    """A message of the bot's, as it stands at the end of the scene."""
    document = message.document.filename if message.document is not None else None
    image = message.photo.data if message.photo is not None else None
    if message.document is not None and _is_picture(message.document.filename):
        image = message.document.data  # a PNG sent as a file (the poster): show it
    return Bubble(
        mine=False,
        text=message.text,
        entities=list(message.entities),
        image=image,
        document=document or ("voice message" if message.voice is not None else None),
        buttons=[[b.text for b in row] for row in message.buttons],
        edited=bool(message.edited),
    )


def _is_picture(filename: str | None) -> bool:
    """Whether a file is an image a chat would preview."""
    return (filename or "").lower().endswith((".png", ".jpg", ".jpeg"))
