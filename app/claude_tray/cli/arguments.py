"""Command-line arguments more than one command takes, defined once."""

from __future__ import annotations

from datetime import date

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def iso_date(value: str) -> date:
    """A `YYYY-MM-DD` argument."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        import argparse  # loaded already: the parser is reading the arguments

        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def add_range(parser: argparse.ArgumentParser) -> None:
    """`--since` and `--until`, both days included."""
    parser.add_argument("--since", type=iso_date, metavar="YYYY-MM-DD")
    parser.add_argument("--until", type=iso_date, metavar="YYYY-MM-DD")
