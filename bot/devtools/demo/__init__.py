"""`kiosdesa demo`: the real bot against the local Bot API emulator, as a chat in the terminal.

`session` runs the emulator and the bot in one event loop on a throw-away database that
`world` seeds, `buttons` finds the button a step presses, `render` turns what the bot sent
into terminal lines, `script` parses the steps a person takes, and `terminal` runs the
interactive chat or replays a script (`story.txt`).
"""

from bot.devtools.demo.script import DemoError, ScriptError
from bot.devtools.demo.terminal import run_demo

__all__ = ["DemoError", "ScriptError", "run_demo"]
