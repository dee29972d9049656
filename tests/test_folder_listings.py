"""A walk takes a settled folder's entries from the listings kept between passes
(`engine.discover.FolderListings`): the same transcripts as a walk that lists every folder, each
still stat'ed, and a folder listed again as soon as anything in it was created, removed or renamed
(its modification and change times move), or while it changed lately."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_tray.engine.discover import SKEW_MARGIN_S, Discovery, FolderListings, discover

OLD = time.time() - 10 * SKEW_MARGIN_S


def write(path: Path, text: str = '{"type": "user"}\n') -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def settle(root: Path) -> None:
    """Every folder under `root` as if nothing had changed in it for a long while."""
    for folder, _, _ in os.walk(root):
        os.utime(folder, (OLD, OLD))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "claude"
    projects = root / "projects"
    write(projects / "-home-u-app" / "s1.jsonl")
    write(projects / "-home-u-app" / "s2.jsonl")
    write(projects / "-home-u-app" / "s1" / "subagents" / "agent-a1.jsonl")
    write(projects / "-home-u-app" / "notes.txt")
    write(projects / "-home-u-web" / "s3.jsonl")
    (projects / "-home-u-empty").mkdir()
    return root


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The folders the walk lists (`os.scandir`), in order."""
    seen: list[str] = []
    real = os.scandir

    def scandir(path: Any) -> Any:
        seen.append(os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    yield seen


def summary(found: Discovery) -> tuple[list[tuple[str, int, int, int]], list[tuple[str, str]]]:
    files = [(p, s.st_ino, s.st_size, s.st_mtime_ns) for p, s in found.files]
    return files, found.problems


def walk(root: Path, tmp_path: Path) -> Discovery:
    return discover([root], FolderListings(tmp_path / "folders.json"))


def test_a_settled_folder_is_not_listed_again_yet_every_file_is_stated(
    root: Path, tmp_path: Path, listed: list[str]
) -> None:
    settle(root)
    listed.clear()
    first = walk(root, tmp_path)
    assert len(listed) == 6  # projects, 3 projects, s1, subagents
    assert summary(first) == summary(discover([root]))
    assert len(first.files) == 4
    listed.clear()
    second = walk(root, tmp_path)
    assert listed == []
    assert summary(second) == summary(first)
    # An append changes the file, not its folder: seen all the same.
    with open(root / "projects" / "-home-u-app" / "s1.jsonl", "a") as handle:
        handle.write('{"type": "assistant"}\n')
    third = walk(root, tmp_path)
    assert listed == []
    assert summary(third) == summary(discover([root]))
    assert summary(third) != summary(second)


def test_a_new_or_removed_transcript_is_seen_at_once(
    root: Path, tmp_path: Path, listed: list[str]
) -> None:
    settle(root)
    walk(root, tmp_path)
    app = root / "projects" / "-home-u-app"
    write(app / "s4.jsonl")
    (root / "projects" / "-home-u-web" / "s3.jsonl").unlink()
    listed.clear()
    found = walk(root, tmp_path)
    assert sorted(listed) == sorted([str(app), str(root / "projects" / "-home-u-web")])
    assert summary(found) == summary(discover([root]))
    assert {Path(p).name for p, _ in found.files} == {
        "s1.jsonl",
        "s2.jsonl",
        "s4.jsonl",
        "agent-a1.jsonl",
    }
    # Changed just now: listed on every pass until it settles.
    listed.clear()
    walk(root, tmp_path)
    assert sorted(listed) == sorted([str(app), str(root / "projects" / "-home-u-web")])


def test_a_folder_changed_and_set_back_to_its_old_time_is_listed_again(
    root: Path, tmp_path: Path, listed: list[str]
) -> None:
    """A tool that restores a folder's modification time (`touch -d`, an archive extractor)
    cannot restore its change time: the folder is listed again."""
    settle(root)
    walk(root, tmp_path)
    web = root / "projects" / "-home-u-web"
    (web / "s3.jsonl").unlink()
    write(web / "s5.jsonl")
    os.utime(web, (OLD, OLD))
    listed.clear()
    found = walk(root, tmp_path)
    assert listed == [str(web)]
    assert summary(found) == summary(discover([root]))
    assert found.problems == []


def test_folders_that_changed_lately_are_listed_every_time(
    root: Path, tmp_path: Path, listed: list[str]
) -> None:
    walk(root, tmp_path)
    listed.clear()
    walk(root, tmp_path)
    assert len(listed) == 6
    assert not (tmp_path / "folders.json").exists()  # nothing worth keeping


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks and FIFOs")
def test_symlinks_and_odd_entries_give_what_a_full_listing_gives(
    root: Path, tmp_path: Path, listed: list[str]
) -> None:
    projects = root / "projects"
    elsewhere = write(tmp_path / "elsewhere" / "linked" / "s6.jsonl").parent
    (projects / "-home-u-link").symlink_to(elsewhere, target_is_directory=True)
    (projects / "-home-u-web" / "s7.jsonl").symlink_to(projects / "-home-u-app" / "s2.jsonl")
    os.mkfifo(projects / "-home-u-web" / "pipe.jsonl")
    (projects / "-home-u-web" / "folder.jsonl").mkdir()
    write(projects / "-home-u-web" / "folder.jsonl" / "s8.jsonl")
    settle(root)
    settle(elsewhere)
    reference = summary(discover([root]))
    assert summary(walk(root, tmp_path)) == reference
    listed.clear()
    assert summary(walk(root, tmp_path)) == reference
    # Folders holding a symlink are listed every time; the others are not.
    assert sorted(listed) == sorted([str(projects), str(projects / "-home-u-web")])
    names = {Path(p).name for p, _ in discover([root]).files}
    # s7.jsonl is s2.jsonl: whichever path the walk meets first stands for it.
    assert names - {"s2.jsonl", "s7.jsonl"} == {
        "s1.jsonl",
        "agent-a1.jsonl",
        "s3.jsonl",
        "s6.jsonl",
        "s8.jsonl",
    }
    assert len(names) == 6


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],
        lambda text: "\x00\xff not json",
        lambda text: json.dumps({"version": 1, "folders": []}),
        lambda text: json.dumps({"version": 99, "folders": json.loads(text)["folders"]}),
        lambda text: json.dumps(
            {"version": 1, "folders": {k: [1, "x", None] for k in json.loads(text)["folders"]}}
        ),
        lambda text: json.dumps(
            {
                "version": 1,
                "folders": {k: [*v[:4], 7, []] for k, v in json.loads(text)["folders"].items()},
            }
        ),
    ],
)
def test_a_damaged_listings_file_is_no_listing(
    root: Path, tmp_path: Path, damage: Callable[[str], str]
) -> None:
    settle(root)
    walk(root, tmp_path)
    path = tmp_path / "folders.json"
    path.write_text(damage(path.read_text()))
    assert summary(walk(root, tmp_path)) == summary(discover([root]))
    assert summary(walk(root, tmp_path)) == summary(discover([root]))  # written again, sound


def test_the_file_is_written_only_when_a_listing_changed(root: Path, tmp_path: Path) -> None:
    settle(root)
    walk(root, tmp_path)
    path = tmp_path / "folders.json"
    before = path.stat()
    walk(root, tmp_path)
    assert path.stat().st_ino == before.st_ino  # not replaced
    write(root / "projects" / "-home-u-new" / "s9.jsonl")
    settle(root)
    walk(root, tmp_path)
    assert "-home-u-new" in path.read_text()


def test_today_counts_a_transcript_new_in_a_settled_folder(
    claude: Any, capsys: pytest.CaptureFixture[str], tray_home: Path
) -> None:
    """End to end: the CLI keeps the listings in its state folder; a transcript that appears
    later in a settled folder is counted by the next run."""
    from claude_tray.cli.main import main
    from tests.transcripts import assistant

    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    claude.write("s1", assistant("s1", now, "m1", input=1000, output=50))
    settle(claude.root)

    def today() -> dict[str, Any]:
        assert main(["today", "--json"]) == 0
        data: dict[str, Any] = json.loads(capsys.readouterr().out)
        return data

    first = today()
    assert "projects" in (tray_home / "state" / "folders.json").read_text()
    assert today() == first
    claude.write("s2", assistant("s2", now, "m2", input=300, output=7))
    after = today()
    assert after["inputTokens"] == first["inputTokens"] + 300 == 1300
