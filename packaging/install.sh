#!/usr/bin/env bash
# Install claude-tray for the current user from this checkout, then start the tray.
#
# Makes a private virtual environment (on Linux with the system's site packages visible, so the
# distribution's PyGObject gives pystray its GTK/AppIndicator backend), installs the package into
# it, links the `claude-tray` command into ~/.local/bin and starts the tray in the background.
#
# PYTHON=/path/to/python3.12 picks the interpreter; otherwise, on Linux, the system's
# /usr/bin/python3 when it is 3.11 or newer (its PyGObject is the one apt installs), else the
# newest of python3.13, python3.12, python3.11 on PATH. `--dry-run` says what it would do.
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=0
[ "${1:-}" = "--dry-run" ] && dry_run=1
system_python="${SYSTEM_PYTHON:-/usr/bin/python3}"

case "$(uname -s)" in
  Darwin) data="$HOME/Library/Application Support/claude-tray" ;;
  *) data="${XDG_DATA_HOME:-$HOME/.local/share}/claude-tray" ;;
esac
venv="$data/venv"
bin="$HOME/.local/bin"

version_of() {  # "3.12", or nothing when $1 does not run
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true
}
new_enough() {  # $1 is a "major.minor" of 3.11 or newer
  local major="${1%%.*}" minor="${1#*.}"
  [ -n "$1" ] && { [ "$major" -gt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -ge 11 ]; }; }
}

if [ -n "${PYTHON:-}" ]; then
  python="$PYTHON"
  version="$(version_of "$python")"
  if ! new_enough "$version"; then
    echo "claude-tray: PYTHON=$PYTHON is ${version:-not a Python that runs}; it needs 3.11 or newer" >&2
    exit 1
  fi
else
  python=""
  candidates=()
  if [ "$(uname -s)" = Linux ] && [ -x "$system_python" ]; then candidates+=("$system_python"); fi
  candidates+=(python3 python3.13 python3.12 python3.11)
  for candidate in "${candidates[@]}"; do
    found="$(command -v "$candidate" 2>/dev/null || true)"
    [ -n "$found" ] || continue
    version="$(version_of "$found")"
    if new_enough "$version"; then python="$found"; break; fi
  done
  if [ -z "$python" ]; then
    echo "claude-tray needs Python 3.11 or newer (found: $(version_of "${candidates[0]}"))." >&2
    echo "Install one (Ubuntu 22.04: sudo apt install python3.11 python3.11-venv), or run" >&2
    echo "  PYTHON=/path/to/python3.11 bash packaging/install.sh" >&2
    exit 1
  fi
fi
echo "using $python (Python $version)"

on_path=1
case ":$PATH:" in *":$bin:"*) ;; *) on_path=0 ;; esac
command_name="claude-tray"
[ "$on_path" = 1 ] || command_name="$bin/claude-tray"

if [ "$dry_run" = 1 ]; then
  [ "$on_path" = 1 ] || echo "warning: $bin is not on your PATH"
  [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname -s)" != Linux ] || echo "no display"
  exit 0
fi

# On Debian and Ubuntu: venv support and the GTK bindings pystray's menu backend uses.
if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1; then
  need=()
  venv_package=python3-venv
  if [ "$python" != "$system_python" ] && apt-cache show "python$version-venv" >/dev/null 2>&1; then
    venv_package="python$version-venv"  # e.g. python3.11 next to an older system python3
  fi
  for p in "$venv_package" python3-gi gir1.2-gtk-3.0 gir1.2-ayatanaappindicator3-0.1 libnotify-bin; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing system packages: ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
  fi
fi

mkdir -p "$data" "$bin"
if [ ! -x "$venv/bin/python" ]; then
  if [ "$(uname -s)" = Linux ]; then
    "$python" -m venv --system-site-packages "$venv"
  else
    "$python" -m venv "$venv"
  fi
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet .
ln -sf "$venv/bin/claude-tray" "$bin/claude-tray"
echo "installed: $bin/claude-tray"
if [ "$(uname -s)" = Linux ] && ! "$venv/bin/python" -c "import gi" 2>/dev/null; then
  echo "note: Python $version has no GTK bindings (PyGObject) here, so the tray icon has no menu;" >&2
  echo "  the system's python3-gi is built for $(version_of "$system_python"). The CLI works fully." >&2
fi
if [ "$on_path" = 0 ]; then
  echo "warning: $bin is not on your PATH, so 'claude-tray' alone is not found. Add this line to" >&2
  echo "  ~/.profile (or ~/.bashrc, ~/.zshrc), then open a new terminal:" >&2
  echo "  export PATH=\"\$HOME/.local/bin:\$PATH\"" >&2
fi

# Start the tray detached from this terminal (it says so when one is already running).
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname -s)" != Linux ]; then
  nohup "$venv/bin/claude-tray" run >/dev/null 2>&1 &
  echo "claude-tray is starting in your tray; '$command_name status' prints the same numbers"
else
  echo "no display here, so no tray to start: use the CLI, e.g. '$command_name today'"
fi
