"""WSL distributions' Claude Code data as roots of a Windows machine, on a fake `\\\\wsl.localhost`
tree. What Windows does that the fake reproduces: `\\\\wsl.localhost\\<distro>` holds each
distribution's file system (Microsoft's "Working across Windows and Linux file systems"), and
`wsl.exe --list --running --quiet` writes one name a line in UTF-16LE when its output is a pipe."""

from __future__ import annotations

from pathlib import Path

from claude_tray.storage.wsl import parse_distribution_list, wsl_roots


def _tree(root: Path) -> None:
    for folder in (
        "Ubuntu/home/ana/.claude/projects",
        "Ubuntu/home/ana/.config/claude/projects",
        "Ubuntu/home/bob/.claude",  # no projects/: not a data root
        "Ubuntu/root/.claude/projects",
        "Debian/home/ana/.claude/projects",  # not running: never touched
    ):
        (root / folder).mkdir(parents=True)


def test_only_running_distributions_and_real_data_roots(tmp_path: Path) -> None:
    _tree(tmp_path)
    roots = wsl_roots("win32", lambda: ["Ubuntu"], tmp_path)
    assert roots == [
        tmp_path / "Ubuntu/root/.claude",
        tmp_path / "Ubuntu/home/ana/.claude",
        tmp_path / "Ubuntu/home/ana/.config/claude",
    ]


def test_none_off_windows_or_without_wsl(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert wsl_roots("linux", lambda: ["Ubuntu"], tmp_path) == []
    assert wsl_roots("win32", lambda: [], tmp_path) == []
    assert wsl_roots("win32", lambda: ["Gone"], tmp_path) == []


def test_wsl_list_output_in_utf16() -> None:
    data = "\ufeffUbuntu-24.04\r\nDebian\r\n\r\n".encode("utf-16-le")
    assert parse_distribution_list(data) == ["Ubuntu-24.04", "Debian"]
    assert parse_distribution_list(b"Ubuntu\n") == ["Ubuntu"]
    assert parse_distribution_list(b"") == []
