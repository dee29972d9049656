"""`python -m claude_tray`: the same as the `claude-tray` command.

Also the file our hooks and status line run, as `python -I -S <this file> hook` (see
`hooks.install.program_prefix`): Claude Code starts one process per prompt and per assistant
message, and without the site module (`-S`) each starts a few ms sooner than through the
`claude-tray` console script. Run as a file, this puts the folder that holds the package on the
module path (last, where `site` would); past the hooks' fast path, `cli.main` loads `site` itself.
"""

import os
import sys

if __name__ == "__main__":  # worker processes import this module under another name
    package = os.path.dirname(os.path.abspath(__file__))
    # Run as a file (not with -m) from the package's folder; a PyInstaller build's entry script
    # has no such folder.
    if __spec__ is None and os.path.basename(package) == "claude_tray":
        folder = os.path.dirname(package)
        if folder not in sys.path:
            sys.path.append(folder)

    from claude_tray import is_frozen

    if is_frozen():  # a PyInstaller build's worker processes start here
        import multiprocessing

        multiprocessing.freeze_support()
    from claude_tray.cli.main import main

    raise SystemExit(main())
