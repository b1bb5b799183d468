"""Tools beside the product: the local Bot API emulator and the terminal demo."""
