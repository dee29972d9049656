"""`python -m claude_tray`: the same as the `claude-tray` command."""

import multiprocessing

from claude_tray.cli.main import main

if __name__ == "__main__":  # worker processes import this module under another name
    multiprocessing.freeze_support()
    raise SystemExit(main())
