"""Run the emulator standalone: `python -m bot.devtools.emulator --port 8081 [--chat]`."""

from bot.devtools.emulator.standalone import main

if __name__ == "__main__":
    raise SystemExit(main())
