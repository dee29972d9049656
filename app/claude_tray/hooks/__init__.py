"""Claude Code integration: the hooks and the status line Claude Code runs, and installing them.

Claude Code runs `claude-tray hook` on session events and `claude-tray statusline` on every new
message, each with JSON on stdin. `fast` is their entry: it records what they report in the
session's state file (`event`, `statusline`), refuses prompts of paused sessions (`gate`) and
prints the status line, importing as little as it can (every prompt waits for it).
`install`, `settings_file` and `json_edit` put our entries into Claude Code's settings.json and
take them out again, leaving everything else in the file as it was.

Nothing is imported here, so that the hook path loads only the modules it uses.
"""
