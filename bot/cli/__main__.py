"""`python -m bot.cli`: the `kiosdesa` command without installing it."""

from bot.cli import main

raise SystemExit(main())
