"""The CLI's clock: one definition, light enough for a warm answer (`cli.warm_answer`)."""

from __future__ import annotations

import os
import time

NOW_VARIABLE = "CLAUDE_TRAY_NOW"


def now() -> float:
    """The clock, overridable for reproducible runs and tests (`CLAUDE_TRAY_NOW`, epoch seconds)."""
    fixed = os.environ.get(NOW_VARIABLE)
    return float(fixed) if fixed else time.time()
