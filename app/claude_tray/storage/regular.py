"""Opening a file only to read it, refusing anything but a regular file, and never blocking.

A FIFO, a device or a folder where a file is expected (a `.git/HEAD`, the config file, a
transcript) would block a plain `open` or read forever. These helpers open with `O_NONBLOCK`
(opening a FIFO then returns at once), check the open file with `fstat`, and raise
`NotRegularFile` (an `OSError`, so every caller's existing handling applies) for anything else.
Stdlib only and cheap to import: the hook and the status line use them.
"""

from __future__ import annotations

import errno
import os
import stat
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

_NONBLOCK: int = getattr(os, "O_NONBLOCK", 0)
_FLAGS = (
    os.O_RDONLY
    | _NONBLOCK
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotRegularFile(OSError):
    """The path names a FIFO, socket, device or folder, not a regular file."""


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """`path` opened for binary reading; raises `NotRegularFile` (or the open's `OSError`)."""
    fd = os.open(path, _FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file", os.fspath(path))
        if sys.platform != "win32" and _NONBLOCK:
            os.set_blocking(fd, True)  # no effect on a regular file's reads; tidy for the caller
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | os.PathLike[str], limit: int = -1) -> bytes:
    """The bytes of the regular file `path`: all of them, or at most `limit`."""
    with open_regular(path) as handle:
        return handle.read(limit)
