#!/usr/bin/env bash
# Install claude-tray for the current user from this checkout, then start the tray.
#
# Makes a private virtual environment (on Linux with the system's site packages visible, so the
# distribution's PyGObject gives pystray its GTK/AppIndicator backend), installs the package into
# it, links the `claude-tray` command into ~/.local/bin and starts the tray in the background.
set -euo pipefail
cd "$(dirname "$0")/.."

case "$(uname -s)" in
  Darwin) data="$HOME/Library/Application Support/claude-tray" ;;
  *) data="${XDG_DATA_HOME:-$HOME/.local/share}/claude-tray" ;;
esac
venv="$data/venv"
python="${PYTHON:-python3}"
if [ "$(uname -s)" = Linux ] && [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; fi

"$python" - <<'PY' || { echo "claude-tray needs Python 3.11 or newer" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

# On Debian and Ubuntu: venv support and the GTK bindings pystray's menu backend uses.
if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null 2>&1; then
  need=()
  for p in python3-venv python3-gi gir1.2-gtk-3.0 gir1.2-ayatanaappindicator3-0.1 libnotify-bin; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing system packages: ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
  fi
fi

mkdir -p "$data" "$HOME/.local/bin"
if [ ! -x "$venv/bin/python" ]; then
  if [ "$(uname -s)" = Linux ]; then
    "$python" -m venv --system-site-packages "$venv"
  else
    "$python" -m venv "$venv"
  fi
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet .
ln -sf "$venv/bin/claude-tray" "$HOME/.local/bin/claude-tray"
echo "installed: $HOME/.local/bin/claude-tray"

# Start the tray detached from this terminal (it refuses politely when there is no display,
# and says so when one is already running).
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname -s)" != Linux ]; then
  nohup "$venv/bin/claude-tray" run >/dev/null 2>&1 &
  echo "claude-tray is starting in your tray; 'claude-tray status' prints the same numbers"
else
  "$venv/bin/claude-tray" run || true
  echo "no display here: use the CLI, e.g. 'claude-tray today'"
fi
