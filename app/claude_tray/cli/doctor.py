"""`claude-tray doctor`: where data was found, what was read and skipped, what is unpriced."""

from __future__ import annotations

import argparse
import builtins
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from claude_tray import __version__
from claude_tray.adapters.notify import route as notification_route
from claude_tray.cli.agreement_view import agreement_json, agreement_lines
from claude_tray.cli.clock import now
from claude_tray.cli.ledger_commands import backup_list
from claude_tray.cli.render import print_json
from claude_tray.cli.workspace import open_workspace
from claude_tray.core.formats import count, counted
from claude_tray.core.sanitize import clean
from claude_tray.engine.agreement import compare
from claude_tray.engine.usage import priced_sums, totals_by_label
from claude_tray.storage.learned_roots import read_learned_roots, same_path_key
from claude_tray.storage.paths import app_paths
from claude_tray.storage.private import Loosened, check
from claude_tray.storage.reader_state import ReaderRecord, load_reader_record
from claude_tray.storage.state import read_all
from claude_tray.storage.zone import local_zone_source


def print(*parts: object) -> None:
    """Every line of the report shows paths, model names and problems read from disk: each goes
    through the one sanitizer (`core.sanitize`) on its way to the terminal."""
    text = " ".join(str(part) for part in parts)
    builtins.print("\n".join(clean(line) for line in text.split("\n")))


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    doctor = commands.add_parser(
        "doctor", parents=[common], help="data roots, files and lines read, skips, unknown models"
    )
    doctor.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    private = check(app_paths())  # before the workspace opens (and tightens quietly)
    with open_workspace() as workspace:
        stats = workspace.last_pass
        all_time = totals_by_label(
            priced_sums(workspace.ledger, workspace.prices, [("all", 0.0, float("inf"))])
        ).get("all")
        unknown = sorted(m for m, t in all_time.models.items() if not t.priced) if all_time else []
        ledger_stats = workspace.ledger.stats()
        skipped = workspace.ledger.skipped()
        paths = workspace.paths
        learned = {same_path_key(r.path): r for r in read_learned_roots(paths)}
        records = read_all(paths)
        agreement = compare(
            workspace.ledger,
            workspace.prices,
            {sid: record.facts() for sid, record in records.items()},
            transcripts={sid: record.transcript_path for sid, record in records.items()},
        )
        report: dict[str, Any] = {
            "version": __version__,
            "config": {"path": str(paths.config_file), "exists": paths.config_file.exists()},
            "ledger": {
                "path": str(paths.ledger),
                "bytes": _size_on_disk(paths.ledger),
                **ledger_stats,
                "problem": stats.ledger_problem,
                "repaired": workspace.repaired.line() if workspace.repaired else None,
                "backups": backup_list(paths.ledger),
                "historyReader": _reader_report(load_reader_record(paths)),
                "backupsKept": workspace.config.ledger_backups,
            },
            "stateDir": str(paths.state_dir),
            "private": {
                "tightened": [{"path": f.path, "mode": oct(f.mode)} for f in private if f.fixed],
                "open": [
                    {"path": f.path, "mode": oct(f.mode), "why": f.why}
                    for f in private
                    if not f.fixed
                ],
            },
            "notifications": notification_route(),
            "timezone": f"{workspace.config.timezone} (from the config)"
            if workspace.config.timezone
            else local_zone_source(),
            "roots": [
                {
                    "path": str(r),
                    "found": r in stats.roots,
                    "learnedFromSession": learned[same_path_key(r)].session
                    if same_path_key(r) in learned
                    else None,
                }
                for r in workspace.roots
            ],
            "lastPass": {
                "filesSeen": stats.files_seen,
                "filesRead": stats.files_read,
                "bytesRead": stats.bytes_read,
                "linesRead": stats.lines_read,
                "responses": stats.responses,
                "ingestMs": round(stats.seconds * 1000, 3),
            },
            "skipped": [{"path": p, "reason": r, "count": c} for p, r, c in skipped],
            "skippedTotal": sum(c for _, _, c in skipped),
            "unreadable": [{"path": p, "problem": why} for p, why in stats.problems],
            "unpricedModels": [
                {"model": m, "tokens": all_time.models[m].tokens.total} for m in unknown
            ]
            if all_time
            else [],
            "sync": _sync_report(workspace),
            "prices": {
                "asOf": workspace.prices.as_of,
                "ageDays": _age_days(workspace.prices.as_of, now()),
                "stale": _stale(workspace.prices.as_of, now()),
                "source": workspace.prices.source,
                "overrides": sorted(workspace.config.pricing.models),
            },
            "agreement": agreement_json(agreement),
        }
    if args.json:
        print_json(report)
        return 0
    print(f"claude-tray {__version__}")
    print(
        f"Config:  {report['config']['path']}"
        f"{'' if report['config']['exists'] else ' (not created; defaults in use)'}"
    )
    ledger = report["ledger"]
    print(
        f"Ledger:  {ledger['path']} ({counted(ledger['bytes'], 'byte')}, "
        f"{counted(ledger['messages'], 'message')}, {counted(ledger['sessions'], 'session')})"
    )
    if ledger["problem"]:
        print(f"  {ledger['problem']}")
    if ledger["repaired"]:
        print(f"  {ledger['repaired']}")
    reader = ledger["historyReader"]
    if reader is not None:
        print(f"  {reader_line(reader)}")
    backups = ledger["backups"]
    if backups:
        print(
            f"Backups: {len(backups)} (keeping {ledger['backupsKept']}), newest "
            f"{backups[0]['made']}: {backups[0]['path']}"
        )
    elif ledger["backupsKept"]:
        print("Backups: none yet (one a day from the second day; `claude-tray ledger backup`)")
    else:
        print("Backups: off (ledger_backups = 0)")
    print(private_line(private))
    for item in report["private"]["open"]:
        print(f"  readable by others: {item['path']} ({item['mode']}): {item['why']}")
    print(f"Timezone: {report['timezone']}")
    print(report["notifications"])
    print("Claude data roots:")
    for root in report["roots"]:
        learned_from = root["learnedFromSession"]
        how = (
            f"  (learned from session {learned_from}; `claude-tray roots remove` forgets it)"
            if learned_from
            else ""
        )
        print(f"  {'found  ' if root['found'] else 'missing'} {root['path']}{how}")
    last = report["lastPass"]
    print(
        f"Files:   {count(ledger['files'])} known, {counted(ledger['lines'], 'line')} read in all; "
        f"this pass read {counted(last['filesRead'], 'file')}, "
        f"{counted(last['bytesRead'], 'byte')} in {last['ingestMs']:.1f} ms"
    )
    if skipped:
        print(f"Skipped lines: {count(report['skippedTotal'])}")
        for path, reason, n in skipped[:20]:
            print(f"  {count(n):>8}  {reason}  {path}")
    else:
        print("Skipped lines: none")
    for item in report["unreadable"]:
        print(f"Unreadable: {item['path']}: {item['problem']}")
    if report["unpricedModels"]:
        print("Unpriced models (tokens counted, cost unknown; add [pricing.models] entries):")
        for item in report["unpricedModels"]:
            print(f"  {item['model']}: {counted(item['tokens'], 'token')}")
    else:
        print("Unpriced models: none")
    prices = report["prices"]
    age = "" if prices["ageDays"] is None else f" ({prices['ageDays']} days old)"
    print(
        f"Prices:  built-in table as of {prices['asOf'] or 'an unknown date'}{age}; "
        f"overrides: {', '.join(prices['overrides']) or 'none'}"
    )
    if prices["stale"]:
        print(
            f"  The price table is older than {STALE_PRICE_DAYS // 30} months: newer models may "
            "be unpriced and prices may have changed. Update claude-tray, or add "
            "[pricing.models] entries."
        )
    _print_sync(report["sync"])
    for line in agreement_lines(report["agreement"]):
        print(line)
    return 0


def _print_sync(sync: dict[str, Any] | None) -> None:
    if sync is None:
        print("Sync:    off (set [sync] folder to combine several machines)")
        return
    print(f"Sync:    {sync['folder']} as {sync['machine']}")
    for machine in sync["machines"]:
        mark = " (this machine)" if machine["thisMachine"] else ""
        print(
            f"  {machine['machine']}{mark}: {counted(machine['responses'], 'response')}, "
            f"latest {machine['latest'] or 'none'}"
        )
    for item in sync["problems"]:
        print(f"  passed over {item['path']}: {item['problem']}")


def _reader_report(record: ReaderRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "at": datetime.fromtimestamp(record.at, UTC).isoformat(timespec="seconds"),
        "exitCode": record.code,
        "problem": record.problem,
        "files": record.files,
        "readBytes": record.read_bytes,
        "totalBytes": record.total_bytes,
        "seconds": record.seconds,
        "peakMB": record.peak_mb,
        "runs": record.runs,
        "readByTheTray": record.in_tray,
    }


def reader_line(reader: dict[str, Any]) -> str:
    """The tray's history reader's last run, in one line."""
    if reader["exitCode"] == 0:
        took = "" if reader["seconds"] is None else f" in {reader['seconds']:.0f} s"
        peak = "" if reader["peakMB"] is None else f", peak memory {reader['peakMB']:.0f} MB"
        return (
            f"History read in the background at {reader['at']}: "
            f"{counted(reader['files'], 'file')}, {reader['readBytes'] / 1e6:,.0f} MB{took}{peak}"
        )
    then = (
        "the tray reads the rest of the history itself"
        if reader["readByTheTray"]
        else "the tray starts it again"
    )
    return (
        f"The tray's history reader failed at {reader['at']} "
        f"(run {reader['runs']}): {reader['problem'] or 'no message'}; {then}"
    )


def private_line(found: list[Loosened]) -> str:
    fixed = [f for f in found if f.fixed]
    if not found:
        return "Private: app folders 0700, files 0600 (nobody else can read them)"
    if fixed:
        example = f"{fixed[0].path} was {oct(fixed[0].mode)}"
        return (
            f"Private: {len(fixed)} files and folders others could read were made private now "
            f"({example})"
        )
    return f"Private: {len(found)} files or folders stay readable by others (below)"


STALE_PRICE_DAYS = 90
"""A built-in price table older than this is called out by `doctor`."""


def _age_days(as_of: str, moment: float) -> int | None:
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        return None
    return (datetime.fromtimestamp(moment, UTC).date() - day).days


def _stale(as_of: str, moment: float) -> bool:
    age = _age_days(as_of, moment)
    return age is None or age > STALE_PRICE_DAYS


def _size_on_disk(ledger: Path) -> int:
    """The ledger with its write-ahead log (recent writes live there until a checkpoint)."""
    total = 0
    for suffix in ("", "-wal"):
        part = ledger.with_name(ledger.name + suffix)
        if part.exists():
            total += part.stat().st_size
    return total


def _sync_report(workspace: Any) -> dict[str, Any] | None:
    """The sync folder: where, as whom, what each machine holds, the files passed over."""
    settings = workspace.sync_settings()
    if settings is None:
        return None
    stats = workspace.last_sync
    ledger_sync = workspace.ledger.sync
    return {
        "folder": str(settings.folder),
        "machine": settings.machine,
        "hideProjects": settings.hide_projects,
        "machines": [
            {
                "machine": machine or settings.machine,
                "thisMachine": not machine,
                "responses": responses,
                "latest": None
                if latest is None
                else datetime.fromtimestamp(latest, UTC).isoformat(),
            }
            for machine, responses, latest in ledger_sync.machines()
        ],
        "publishedDays": len(ledger_sync.published()),
        "problems": [{"path": p, "problem": why} for p, why in (stats.problems if stats else [])],
    }
