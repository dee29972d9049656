"""Claude Code integration: the hooks and the status line Claude Code runs, and installing them.

Claude Code runs `claude-tray hook` on session events and `claude-tray statusline` on every new
message, each with JSON on stdin. `fast` is their entry (every prompt waits for it, so it imports
little): `event` records what a hook reports in the session's state file, `gate` refuses prompts
of paused sessions, `statusline` records the status line's figures, applies the auto-pause rule and
renders our line, `chain` runs the user's own status line after ours. They read and write the
session state through `storage.state` and find the app's folders with `storage.paths.app_dirs`
(both light enough for a hook call); `hook_settings` caches the part of the config they use.

`install`, `settings_file` and `json_edit` put our entries into Claude Code's settings.json and
take them out again, leaving every other byte of the file as it was.

Nothing is imported here, so that the hook path loads only the modules it uses.
"""
