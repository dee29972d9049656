"""The pystray menu, built from the view's `MenuEntry` rows.

The top-level menu is a pystray `Menu` over a callable: every `update_menu()` re-reads the current
entries, so the tray changes the menu by changing what `entries()` returns. Each item's action calls
`on_action(action_id)`; rows without an action do nothing.

pystray is imported inside `build_menu` (importing it connects to the display).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from claude_tray.core.view import MenuEntry

OnAction = Callable[[str], None]


def plain(text: str) -> str:
    return text


def win32_label(text: str) -> str:
    """Windows menus read `&` as a mnemonic marker: a literal one is written `&&`."""
    return text.replace("&", "&&")


def build_menu(
    entries: Callable[[], Sequence[MenuEntry]],
    on_action: OnAction,
    label: Callable[[str], str] = plain,
) -> Any:
    """A `pystray.Menu` showing `entries()` as they are each time the backend asks for them."""
    import pystray

    def items() -> tuple[Any, ...]:
        return tuple(menu_item(entry, on_action, label) for entry in entries())

    return pystray.Menu(items)


def menu_item(entry: MenuEntry, on_action: OnAction, label: Callable[[str], str] = plain) -> Any:
    """One `pystray.MenuItem` (or the separator) for `entry`, submenus included."""
    import pystray

    if entry.separator:
        return pystray.Menu.SEPARATOR
    text = label(entry.text)
    if entry.children:
        submenu = pystray.Menu(*(menu_item(child, on_action, label) for child in entry.children))
        return pystray.MenuItem(text, submenu, enabled=entry.enabled)
    checked = None if entry.checked is None else _constant(entry.checked)
    return pystray.MenuItem(
        text, _action(entry.action, on_action), checked=checked, enabled=entry.enabled
    )


def _action(action: str | None, on_action: OnAction) -> Callable[[Any, Any], None]:
    def run(icon: Any, item: Any) -> None:
        if action is not None:
            on_action(action)

    return run


def _constant(value: bool) -> Callable[[Any], bool]:
    def read(item: Any) -> bool:
        return value

    return read
