"""Only `storage` speaks SQL: no module outside it imports sqlite3, writes a SQL statement or calls
the ledger's diagnostic `query`, and only the workspace opens the ledger."""

from __future__ import annotations

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app" / "claude_tray"
STORAGE = APP / "storage"
OPENS_THE_LEDGER = {APP / "engine" / "workspace.py"}

_SQL = re.compile(
    r"\b(SELECT\s+\S|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
    r"CREATE\s+(TEMP\s+|UNIQUE\s+)?(TABLE|INDEX|TRIGGER|VIEW)|DROP\s+(TABLE|INDEX|TRIGGER)|"
    r"PRAGMA\s+\w|VACUUM|REINDEX|ATTACH\s+DATABASE)"
)


def problems(path: Path, source: str) -> list[str]:
    """What in `source` (the module at `path`) speaks SQL or opens the ledger."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names]
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if "sqlite3" in names or module == "sqlite3":
                found.append(f"{where}: imports sqlite3")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _SQL.search(node.value)
        ):
            found.append(f"{where}: SQL {node.value.strip()[:50]!r}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "query"
        ):
            found.append(f"{where}: calls .query()")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "Ledger"
            and path not in OPENS_THE_LEDGER
        ):
            found.append(f"{where}: opens the ledger")
    return found


def test_no_module_outside_storage_writes_sql_or_opens_the_ledger() -> None:
    found = [
        problem
        for path in sorted(APP.rglob("*.py"))
        if STORAGE not in path.parents
        for problem in problems(path, path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_check_finds_each_kind() -> None:
    sample = (
        "import sqlite3\n"
        "rows = ledger.query(f'SELECT min(ts) FROM messages WHERE x = {y}')\n"
        "db.execute('DELETE FROM tags WHERE session = ?')\n"
        "other = Ledger(path)\n"
    )
    found = problems(APP / "cli" / "example.py", sample)
    assert sorted(line.split(": ", 1)[1][:12] for line in found) == [
        "SQL 'DELETE ",
        "SQL 'SELECT ",
        "calls .query",
        "imports sqli",
        "opens the le",
    ]
