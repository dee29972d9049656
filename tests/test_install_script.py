"""packaging/install.sh picks a Python of 3.11 or newer and says what the user must do.

Run with `--dry-run` (it stops before installing anything) against fake interpreters that only
answer the version question.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "packaging" / "install.sh"


def fake_python(folder: Path, name: str, version: str) -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)
    return path


def dry_run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"HOME": str(tmp_path / "home"), "PATH": env.pop("PATH", os.environ["PATH"])}
    return subprocess.run(
        ["/bin/bash", str(SCRIPT), "--dry-run"],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_old_system_python_is_passed_over_for_a_newer_one(tmp_path: Path) -> None:
    fakes = tmp_path / "bin"
    fakes.mkdir()
    old = fake_python(fakes, "python3-system", "3.10")
    fake_python(fakes, "python3", "3.10")
    newer = fake_python(fakes, "python3.12", "3.12")
    result = dry_run(tmp_path, PATH=f"{fakes}:/usr/bin:/bin", SYSTEM_PYTHON=str(old))
    assert result.returncode == 0, result.stderr
    assert f"using {newer} (Python 3.12)" in result.stdout


def test_python_from_the_environment_is_honoured_and_checked(tmp_path: Path) -> None:
    fakes = tmp_path / "bin"
    fakes.mkdir()
    chosen = fake_python(fakes, "my-python", "3.13")
    result = dry_run(tmp_path, PYTHON=str(chosen))
    assert result.returncode == 0 and f"using {chosen} (Python 3.13)" in result.stdout
    too_old = fake_python(fakes, "old-python", "3.9")
    result = dry_run(tmp_path, PYTHON=str(too_old))
    assert result.returncode == 1
    assert result.stderr == f"claude-tray: PYTHON={too_old} is 3.9; it needs 3.11 or newer\n"


def test_none_new_enough_says_how_to_get_one(tmp_path: Path) -> None:
    fakes = tmp_path / "bin"
    fakes.mkdir()
    old = fake_python(fakes, "python3", "3.10")
    result = dry_run(tmp_path, PATH=f"{fakes}:/nowhere", SYSTEM_PYTHON=str(old))
    assert result.returncode == 1
    assert "needs Python 3.11 or newer (found: 3.10)" in result.stderr
    assert "PYTHON=/path/to/python3.11" in result.stderr


def test_local_bin_off_the_path_is_said_and_no_display_once(tmp_path: Path) -> None:
    result = dry_run(tmp_path, PATH="/usr/bin:/bin")
    assert result.returncode == 0, result.stderr
    assert f"warning: {tmp_path / 'home' / '.local' / 'bin'} is not on your PATH" in result.stdout
    assert result.stdout.count("no display") == 1
    on_path = dry_run(tmp_path, PATH=f"{tmp_path / 'home' / '.local' / 'bin'}:/usr/bin:/bin")
    assert "not on your PATH" not in on_path.stdout
