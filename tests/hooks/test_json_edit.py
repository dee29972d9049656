"""Editing JSON text in place: the rest of the text keeps every byte, edits undo exactly."""

from __future__ import annotations

import json

import pytest

from claude_tray.hooks.json_edit import Editor, detect_style, parse

FOUR = """{
    "model": "opus",
    "permissions": {"allow": ["Bash(ls)", "Read"]},
    "hooks": {
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}
        ]
    }
}
"""


def test_parse_finds_every_value_span() -> None:
    text = '{"a": [1, {"b": "x\\"}y"}], "c": null, "a2": -1.5e3}'
    root = parse(text)
    assert root.keys == ("a", "c", "a2")
    a = root.child("a")
    assert a is not None and text[a.start : a.end] == '[1, {"b": "x\\"}y"}]'
    inner = a.child(1)
    assert inner is not None and json.loads(text[inner.start : inner.end]) == {"b": 'x"}y'}
    last = root.child("a2")
    assert last is not None and text[last.start : last.end] == "-1.5e3"


@pytest.mark.parametrize(
    ("text", "indent", "newline"),
    [
        (FOUR, "    ", "\n"),
        ('{\n  "a": 1\n}\n', "  ", "\n"),
        ('{\n\t"a": {\n\t\t"b": 1\n\t}\n}', "\t", "\n"),
        ('{\r\n  "a": 1\r\n}\r\n', "  ", "\r\n"),
        ('{"a": 1}', "  ", "\n"),
    ],
)
def test_style_is_detected(text: str, indent: str, newline: str) -> None:
    style = detect_style(text)
    assert (style.indent, style.newline) == (indent, newline)


def test_insert_then_remove_restores_the_bytes() -> None:
    editor = Editor.of(FOUR)
    editor.append_item(("hooks", "PreToolUse"), {"hooks": [{"type": "command", "command": "t"}]})
    editor.insert_member(("hooks",), "Stop", [{"hooks": []}])
    editor.insert_member((), "statusLine", {"type": "command", "command": "s"})
    assert json.loads(editor.text)["hooks"]["PreToolUse"][0]["matcher"] == "Bash"
    assert '    "permissions": {"allow": ["Bash(ls)", "Read"]},\n' in editor.text  # untouched
    assert '\n        "Stop": [\n            {\n                "hooks": []' in editor.text
    editor.remove(("hooks", "Stop"))
    editor.remove(("statusLine",))
    editor.remove(("hooks", "PreToolUse", 1))
    assert editor.text == FOUR


def test_removing_a_middle_member_keeps_the_neighbours() -> None:
    editor = Editor.of('{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}\n')
    editor.remove(("b",))
    assert editor.text == '{\n  "a": 1,\n  "c": 3\n}\n'


def test_the_only_member_of_an_empty_object_round_trips() -> None:
    editor = Editor.of("{}\n")
    editor.insert_member((), "hooks", {"Stop": []})
    assert editor.text == '{\n  "hooks": {\n    "Stop": []\n  }\n}\n'
    editor.remove(("hooks",))
    assert editor.text == "{}\n"


def test_tabs_and_crlf_are_kept_in_new_text() -> None:
    editor = Editor.of('{\r\n\t"a": 1\r\n}\r\n')
    editor.insert_member((), "b", {"c": [1]})
    assert (
        editor.text
        == '{\r\n\t"a": 1,\r\n\t"b": {\r\n\t\t"c": [\r\n\t\t\t1\r\n\t\t]\r\n\t}\r\n}\r\n'
    )


def test_one_line_files_stay_on_one_line() -> None:
    editor = Editor.of('{"a": [1, 2], "b": {}}')
    editor.append_item(("a",), 3)
    editor.insert_member(("b",), "k", {"x": 1})
    assert editor.text == '{"a": [1, 2, 3], "b": {"k": {"x": 1}}}'


def test_replace_keeps_non_ascii_and_the_surroundings() -> None:
    editor = Editor.of('{\n  "statusLine": {"command": "old", "padding": 1},\n  "x": "é"\n}')
    editor.replace(("statusLine", "command"), "new 'quoted' ü")
    assert editor.text == (
        '{\n  "statusLine": {"command": "new \'quoted\' ü", "padding": 1},\n  "x": "é"\n}'
    )


def test_a_duplicated_key_is_edited_where_json_loads_reads_it() -> None:
    editor = Editor.of('{"a": 1, "a": [2]}')
    editor.append_item(("a",), 3)
    assert json.loads(editor.text) == {"a": [2, 3]}


def test_a_missing_path_is_an_error_not_a_guess() -> None:
    editor = Editor.of('{"a": 1}')
    with pytest.raises(ValueError):
        editor.append_item(("a",), 2)
    with pytest.raises(ValueError):
        editor.remove(("nope",))


def test_a_minified_file_stays_minified() -> None:
    text = '{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"echo hi"}]}]},"x":1}'
    editor = Editor.of(text)
    editor.append_item(("hooks", "Stop"), {"hooks": [{"type": "command", "command": "t hook"}]})
    editor.insert_member(("hooks",), "SessionEnd", [{"hooks": [{"type": "command"}]}])
    assert editor.text.startswith(text[:50])
    minified = json.dumps(json.loads(editor.text), separators=(",", ":"))
    assert editor.text == minified
