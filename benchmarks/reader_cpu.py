"""CPU of a first read's reader (decode, interpretation, rows), one process, side by side.

Reads a share of a history's transcripts into memory, then times `engine.read._FileReader` over
them (what a worker process of a first read spends per file, its file I/O aside) in CPU seconds,
with msgspec's `decode_lines` alone beside it; the difference is the Python after the decode.
Prints a digest of everything read (rows, session marks, skips, unrecorded calls), so two
checkouts can be compared for identical results as well as for time:

    python benchmarks/reader_cpu.py /tmp/perf/h13 --against /path/to/other/checkout

runs this checkout and the other one (through PYTHONPATH=<other>/app) in turn, interleaved, in
fresh processes; the machine's speed drifts, so compare runs that sat next to each other. Nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _stored(value: object) -> object:
    """A value as SQLite stores it (a bool is the integer 1 or 0)."""
    return int(value) if type(value) is bool else value


def measure(history: str, part: int, parts: int, passes: int) -> str:
    """One line: the checkout, CPU seconds of each pass (full reader, decode alone, the rest)
    and the digest."""
    import claude_tray
    from claude_tray.engine.decode import decode_lines
    from claude_tray.engine.discover import discover
    from claude_tray.engine.read import _FileReader

    files = [p for p, _ in discover([Path(history)]).files][part::parts]
    datas = [(p, Path(p).read_bytes()) for p in files]
    full, decode = [], []
    digest = hashlib.sha1()
    for index in range(passes):
        start = time.process_time()
        for _, data in datas:
            decode_lines(data)
        decode.append(time.process_time() - start)
        start = time.process_time()
        read = []
        for path, data in datas:
            reader = _FileReader(Path(path))
            end = reader.read(io.BytesIO(data), 0)
            read.append((reader, reader.message_rows(), reader.session_marks(), end))
        full.append(time.process_time() - start)
        if index == passes - 1:
            for reader, rows, marks, end in read:
                seen = (
                    sorted(tuple(map(_stored, row)) for row in rows),
                    sorted(marks),
                    reader.lines,
                    reader.responses,
                    sorted(reader.skipped.items()),
                    sorted(reader.unrecorded.values()),
                    end,
                )
                digest.update(repr(seen).encode())
    where = Path(claude_tray.__file__).parent.parent.parent
    spent = " ".join(f"{f:.3f}/{d:.3f}/{f - d:.3f}" for f, d in zip(full, decode, strict=True))
    share = f"part {part}/{parts} {len(datas)} files"
    return f"{where}: {share}; reader/decode/rest {spent}; digest {digest.hexdigest()[:12]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("history", help="a Claude Code history (CLAUDE_CONFIG_DIR or its projects/)")
    ap.add_argument("--against", metavar="CHECKOUT", help="another checkout to run in turn")
    ap.add_argument("--parts", type=int, default=3, help="read every n-th file (default 3)")
    ap.add_argument("--part", type=int, help="only this share (0..parts-1); default: each")
    ap.add_argument("--passes", type=int, default=3, help="timed passes per process (default 3)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of the A/B (default 2)")
    args = ap.parse_args(argv)
    shares = [args.part] if args.part is not None else list(range(args.parts))
    if os.environ.get("READER_CPU_CHILD"):
        for part in shares:
            print(measure(args.history, part, args.parts, args.passes), flush=True)
        return 0
    checkouts = [HERE.parent] + ([Path(args.against).resolve()] if args.against else [])
    digests: dict[int, set[str]] = {}
    for _ in range(args.rounds):
        for part in shares:
            for checkout in checkouts:
                env = dict(os.environ, READER_CPU_CHILD="1", PYTHONPATH=str(checkout / "app"))
                env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached
                command = [sys.executable, __file__, args.history, "--parts", str(args.parts)]
                command += ["--part", str(part), "--passes", str(args.passes)]
                line = subprocess.run(
                    command, env=env, check=True, capture_output=True, text=True
                ).stdout.strip()
                print(line, flush=True)
                digests.setdefault(part, set()).add(line.rsplit(" ", 1)[-1])
    same = all(len(found) == 1 for found in digests.values())
    print("results identical" if same else "RESULTS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
