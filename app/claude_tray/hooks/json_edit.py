"""Editing JSON text in place: every byte not inside the edit stays as it was.

A settings file is not re-serialised: members and items are inserted, replaced or removed in the
text itself, in the file's own style (indent unit, newline, `": "` or `":"`). Inserting an item and
removing it again gives back the original bytes. The text must be valid JSON (check it with
`json.loads` first); `parse` only finds where each value is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Key = str | int
"""A step of a path: a member name in an object, an index in an array."""


@dataclass(frozen=True, slots=True)
class Node:
    """A JSON value's span `text[start:end]`; for objects and arrays, where each entry starts
    (a member's key, an item's value) and the entries' value nodes."""

    kind: str  # "object" | "array" | "scalar"
    start: int
    end: int
    keys: tuple[str, ...] = ()
    starts: tuple[int, ...] = ()
    children: tuple[Node, ...] = ()

    def child(self, key: Key) -> Node | None:
        if self.kind == "object" and isinstance(key, str):
            index = _last_index(self.keys, key)
            return None if index is None else self.children[index]
        if self.kind == "array" and isinstance(key, int) and 0 <= key < len(self.children):
            return self.children[key]
        return None

    def index_of(self, key: Key) -> int | None:
        if self.kind == "object" and isinstance(key, str):
            return _last_index(self.keys, key)
        if self.kind == "array" and isinstance(key, int) and 0 <= key < len(self.children):
            return key
        return None


def _last_index(keys: tuple[str, ...], key: str) -> int | None:
    """A duplicated key counts as its last occurrence, as in `json.loads`."""
    for index in range(len(keys) - 1, -1, -1):
        if keys[index] == key:
            return index
    return None


_WHITESPACE = " \t\r\n"


def parse(text: str) -> Node:
    node, _ = _value(text, _skip(text, 0))
    return node


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


def _value(text: str, i: int) -> tuple[Node, int]:
    char = text[i]
    if char == "{":
        return _container(text, i, "object", "}")
    if char == "[":
        return _container(text, i, "array", "]")
    if char == '"':
        end = _string_end(text, i)
        return Node("scalar", i, end), end
    end = i
    while end < len(text) and text[end] not in _WHITESPACE + ",]}":
        end += 1
    return Node("scalar", i, end), end


def _string_end(text: str, i: int) -> int:
    j = i + 1
    while text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _container(text: str, i: int, kind: str, close: str) -> tuple[Node, int]:
    keys: list[str] = []
    starts: list[int] = []
    children: list[Node] = []
    j = _skip(text, i + 1)
    while text[j] != close:
        starts.append(j)
        if kind == "object":
            key_end = _string_end(text, j)
            keys.append(json.loads(text[j:key_end]))
            j = _skip(text, _skip(text, key_end) + 1)  # past the colon
        child, j = _value(text, j)
        children.append(child)
        j = _skip(text, j)
        if text[j] == ",":
            j = _skip(text, j + 1)
    return Node(kind, i, j + 1, tuple(keys), tuple(starts), tuple(children)), j + 1


@dataclass(frozen=True, slots=True)
class Style:
    indent: str = "  "
    newline: str = "\n"
    colon: str = ": "


def detect_style(text: str) -> Style:
    """The file's indent unit (spaces or a tab), newline and key separator."""
    newline = "\r\n" if "\r\n" in text else "\n"
    root = parse(text)
    indent = "  "
    colon = ": "
    if root.kind == "object" and root.starts:
        line_start = text.rfind("\n", 0, root.starts[0]) + 1
        lead = text[line_start : root.starts[0]]
        if line_start > root.start and lead and lead.strip() == "":
            indent = lead[: len(lead) - len(_line_indent(text, root.start))] or lead
        key_end = _string_end(text, root.starts[0])
        colon = text[key_end : root.children[0].start]
    return Style(indent, newline, colon if colon.strip() == ":" else ": ")


def _line_indent(text: str, pos: int) -> str:
    """The whitespace that starts the line holding `pos`."""
    line_start = text.rfind("\n", 0, pos) + 1
    end = line_start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[line_start:end]


@dataclass
class Editor:
    """A JSON text being edited; each edit re-reads it, so paths always refer to the text now."""

    text: str
    style: Style = field(default_factory=Style)

    @classmethod
    def of(cls, text: str) -> Editor:
        return cls(text, detect_style(text))

    @property
    def data(self) -> Any:
        return json.loads(self.text)

    def node(self, path: tuple[Key, ...]) -> Node | None:
        node: Node | None = parse(self.text)
        for key in path:
            node = node.child(key) if node is not None else None
        return node

    def _container(self, path: tuple[Key, ...], kind: str) -> Node:
        node = self.node(path)
        if node is None or node.kind != kind:
            raise ValueError(f"no {kind} at {'.'.join(map(str, path)) or 'the top level'}")
        return node

    def insert_member(self, path: tuple[Key, ...], key: str, value: Any) -> None:
        """Add `"key": value` as the last member of the object at `path`."""
        self._append(self._container(path, "object"), json.dumps(key, ensure_ascii=False), value)

    def append_item(self, path: tuple[Key, ...], value: Any) -> None:
        """Add `value` as the last item of the array at `path`."""
        self._append(self._container(path, "array"), None, value)

    def replace(self, path: tuple[Key, ...], value: Any) -> None:
        """Put `value` in place of the value at `path`."""
        node = self.node(path)
        if node is None or not path:
            raise ValueError(f"nothing at {'.'.join(map(str, path))}")
        rendered = self._render(value, _line_indent(self.text, node.start))
        self.text = self.text[: node.start] + rendered + self.text[node.end :]

    def remove(self, path: tuple[Key, ...]) -> None:
        """Take out the member or item at `path` with the separator that belongs to it."""
        parent = self.node(path[:-1])
        index = parent.index_of(path[-1]) if parent is not None else None
        if parent is None or index is None:
            raise ValueError(f"nothing at {'.'.join(map(str, path))}")
        count = len(parent.children)
        if count == 1:
            start, end = parent.start + 1, parent.end - 1
        elif index == count - 1:
            start, end = parent.children[index - 1].end, parent.children[index].end
        else:
            start, end = parent.starts[index], parent.starts[index + 1]
        self.text = self.text[:start] + self.text[end:]

    def _append(self, container: Node, key: str | None, value: Any) -> None:
        text = self.text
        multiline = self._multiline(container)
        if container.children:
            line_start = text.rfind("\n", 0, container.starts[-1]) + 1
            lead = text[line_start : container.starts[-1]]
            indent = (
                lead
                if lead.strip() == "" and line_start > container.start
                else (_line_indent(text, container.start) + self.style.indent)
            )
        else:
            indent = _line_indent(text, container.start) + self.style.indent
        entry = self._render(value, indent if multiline else "", multiline)
        if key is not None:
            entry = key + (self.style.colon if multiline else self._inline[1]) + entry
        if container.children:
            glue = self.style.newline + indent if multiline else self._inline[0][1:]
            glue = "," + glue
            at = container.children[-1].end
            self.text = text[:at] + glue + entry + text[at:]
        else:
            closing = _line_indent(text, container.start)
            inner = (
                self.style.newline + indent + entry + self.style.newline + closing
                if multiline
                else entry
            )
            self.text = text[: container.start + 1] + inner + text[container.end - 1 :]

    def _multiline(self, container: Node) -> bool:
        if container.children:
            return "\n" in self.text[container.start : container.starts[0]]
        root = parse(self.text)
        return container.start == root.start or "\n" in self.text[root.start : root.end]

    @property
    def _inline(self) -> tuple[str, str]:
        """Separators inside a one-line container: as compact as the file writes its colons
        (a minified file stays minified)."""
        return (",", ":") if self.style.colon == ":" else (", ", ": ")

    def _render(self, value: Any, indent: str, multiline: bool = True) -> str:
        if not multiline:
            return json.dumps(value, ensure_ascii=False, separators=self._inline)
        rendered = json.dumps(
            value, ensure_ascii=False, indent=self.style.indent, separators=(",", self.style.colon)
        )
        return rendered.replace("\n", self.style.newline + indent)
