"""Pure functions and records: no I/O, no threads, no clock. Callers pass `now` and the timezone.

Each number claude-tray reports has exactly one definition here: tokens and context in `tokens`
and `context`, prices in `pricing`, levels in `levels`, calendar periods in `periods`.
"""
