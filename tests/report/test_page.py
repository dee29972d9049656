"""The report page from a real ingest: hostile strings escaped, no external references, an empty
ledger, the numbers agreeing with the engine's own, and repository and category from the hooks."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from claude_tray.engine.workspace import Workspace
from claude_tray.report import default_output, write_report
from claude_tray.report.data import gather
from tests.report.ledgers import clock
from tests.states import write_state
from tests.transcripts import ClaudeData, assistant

HOSTILE = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://x")'


class Page(HTMLParser):
    """Every tag with its attributes, and all the text, of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def names(self) -> set[str]:
        return {tag for tag, _ in self.tags}


@pytest.fixture
def hostile(claude: ClaudeData) -> Iterator[Workspace]:
    cwd = f"/home/u/{HOSTILE}"
    claude.write(
        "evil",
        assistant("evil", "2026-11-20T10:00:00Z", "e1", cwd=cwd, input=400_000, output=1000),
        cwd=cwd,
    )
    claude.write(
        "calm", assistant("calm", "2026-11-19T10:00:00Z", "c1", input=100_000, cache_read=2_000_000)
    )
    with Workspace.open() as workspace:
        workspace.refresh()
        workspace.ledger.set_note("evil", FORMULA, 0.0)
        workspace.ledger.add_tag("evil", HOSTILE)
        yield workspace


def test_hostile_strings_are_text_not_markup(hostile: Workspace) -> None:
    html = write_report(hostile, clock(), 30).read_text()
    page = Page(html)
    assert "img" not in page.names()
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    text = "".join(page.text)
    assert HOSTILE in text  # shown, as text (the project and the tag)
    assert FORMULA in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_page_refers_to_nothing_outside_itself(hostile: Workspace) -> None:
    html = write_report(hostile, clock(), 30).read_text()
    page = Page(html)
    assert not page.names() & {"script", "link", "iframe", "object", "embed", "img", "base"}
    for _, attrs in page.tags:
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            assert name not in attrs
    style = html[html.index("<style>") : html.index("</style>")]
    assert "url(" not in style and "@import" not in style


def test_an_empty_ledger_says_there_is_no_data_yet() -> None:
    with Workspace.open() as workspace:
        workspace.refresh()
        path = write_report(workspace, clock(), 30)
    assert path == default_output(workspace)
    page = Page(path.read_text())
    assert "No data yet" in page.text
    assert "svg" not in page.names()


def test_days_out_of_range_is_refused(tmp_path: Path) -> None:
    with Workspace.open() as workspace, pytest.raises(ValueError, match="between 1 and"):
        write_report(workspace, clock(), 0, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_budgets_equal_the_engines_spend_and_savings_are_priced(hostile: Workspace) -> None:
    data = gather(hostile, clock(), 30)
    snapshot = hostile.snapshot(clock())
    spent = {b.name: b.spent for b in data.budgets}
    assert spent["Today"] == pytest.approx(snapshot.today.cost)
    assert spent["This week"] == pytest.approx(snapshot.week.cost)
    assert spent["This month"] == pytest.approx(snapshot.month.cost)
    assert data.totals.cost == pytest.approx(snapshot.month.cost)  # all in November
    # 2M cache reads of Opus 4.5: $5 - $0.50 per million saved
    assert data.totals.cache_savings == pytest.approx(9.0)
    assert data.session_count == 2
    assert [s.session for s in data.top_sessions] == ["evil", "calm"]


def test_projects_follow_the_hooks_repository_and_categories(claude: ClaudeData) -> None:
    claude.write(
        "a",
        assistant("a", "2026-11-20T09:00:00Z", "a1", cwd="/w/repo/sub", input=200_000),
        cwd="/w/repo/sub",
    )
    claude.write(
        "b",
        assistant("b", "2026-11-20T09:30:00Z", "b1", cwd="/w/repo", input=400_000),
        cwd="/w/repo",
    )
    claude.write(
        "c",
        assistant("c", "2026-11-20T10:00:00Z", "c1", cwd="/w/other", input=200_000),
        cwd="/w/other",
    )
    with Workspace.open() as workspace:
        workspace.refresh()
        for sid in ("a", "b"):
            write_state(
                workspace.paths,
                sid,
                git={"root": "/w/repo", "repository": "/w/repo", "branch": "main"},
                category="work",
            )
        data = gather(workspace, clock(), 7)
        html = write_report(workspace, clock(), 7).read_text()
    assert [(p.name, p.cost) for p in data.by_project] == [("repo", 3.0), ("other", 1.0)]
    assert [(c.name, c.cost) for c in data.by_category] == [("work", 3.0), ("uncategorised", 1.0)]
    assert "Cost by category" in html


def test_history_outside_the_period_still_makes_a_page(claude: ClaudeData) -> None:
    claude.write("long-ago", assistant("long-ago", "2026-08-01T10:00:00Z", "l1", input=1000))
    with Workspace.open() as workspace:
        workspace.refresh()
        data = gather(workspace, clock(), 7)
        page = Page(write_report(workspace, clock(), 7).read_text())
    assert data.has_history and data.totals.cost == 0 and data.session_count == 0
    assert "svg" in page.names()
    assert "No usage in this period." in page.text
