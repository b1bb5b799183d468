"""Pictures of the chats for the README, made by the real bot against the emulator.

`scenes` lists the pictures and the demo steps that lead to each, `record` plays a scene
and keeps the chat, `layout` sets its text, and `draw` paints it as Telegram shows it.
`python -m bot.devtools.pictures docs/pictures` makes them all again.
"""

from bot.devtools.pictures.make import Picture, make_pictures

__all__ = ["Picture", "make_pictures"]
