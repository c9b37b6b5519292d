"""``report.html``: scores, the trials chart, instruction diffs, demo origins and usage, escaped and offline."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lmc.cli import main
from lmc.codegen import BuildInfo
from lmc.lock import BlockResult, Lock, ScoreRow, StepResult
from lmc.optimize.base import Candidate, DemoOrigin
from lmc.optimize.budget import Spent
from lmc.report import Segment, Spending, chart, render_report, word_diff
from lmc.runtime.signature import Params
from tests.stub_project import stub_project

EVIL = '<script>alert("x")</script> & </pre><b>'


def lock_with(instructions: str, new_instructions: str, demo_text: str = "fine") -> Lock:
    params = {"p.m": Params(instructions=new_instructions, demos=({"q": demo_text, "a": "b"}, {"q": "2", "a": "c"}))}
    origins = {"p.m": (DemoOrigin("bootstrapped", 4), DemoOrigin("labeled", 0))}
    step = StepResult(
        plan={"optimizer": "Search", "options": {"n": 3}, "budget": {"max_lm_calls": 9}},
        score=80.0,
        candidates=(Candidate("zero-shot", 40.0), Candidate(EVIL, 80.0), Candidate("c", 80.0), Candidate("d", 60.0)),
        stopped="the budget of 9 LM call(s) is spent",
        lm_requests=9,
        params=params,
        origins=origins,
    )
    plan = {"program": "p", "metric": "em", "trainset": "train", "valset": "dev", "teacher": None, "seed": 0}
    row = ScoreRow("p on dev (valset, em)", 40.0, 80.0)
    return Lock(
        inputs={},
        blocks=(BlockResult(plan={**plan, "chain": [step.plan]}, row=row, steps=(step,)),),
        scores=(row, ScoreRow("p on test (evaluate, em)", 35.5, None)),
        params=params,
        origins=origins,
        trainsets={"p.m": "train"},
        instructions={"p.m": instructions},
        build=BuildInfo(lmc_version="0.1.0", source_name="x.lmp", source_sha256="ab" * 32, lm="m", seed=0),
        parity=(),
        package={},
    )


def rendered(lock: Lock, spending: Spending | None = None) -> str:
    return render_report(lock, spending or Spending({(0, 0): Spent(calls=7, cache_hits=2)}, Spent(calls=9)))


class Tags(HTMLParser):
    """Every start tag and attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def test_word_diff_marks_removed_and_added_words():
    assert word_diff("Classify the sentence.", "Classify the whole sentence carefully.") == (
        Segment("same", "Classify the "),
        Segment("ins", "whole "),
        Segment("same", "sentence"),
        Segment("ins", " carefully"),
        Segment("same", "."),
    )
    assert word_diff("Be brief.", "Be thorough!") == (
        Segment("same", "Be "),
        Segment("del", "brief."),
        Segment("ins", "thorough!"),
    )
    assert word_diff("same", "same") == (Segment("same", "same"),)
    assert "".join(s.text for s in word_diff("a b", "c d") if s.op != "del") == "c d"


def test_chart_places_trials_in_order_and_draws_the_best_so_far():
    c = chart([Candidate("a", 0.0), Candidate("b", 50.0), Candidate("c", 25.0), Candidate("d", 100.0)])
    xs = [p.x for p in c.points]
    assert xs == sorted(xs) and xs[0] == c.left and xs[-1] == c.left + c.plot_width
    ys = {p.label.split(".")[0]: p.y for p in c.points}
    assert ys["1"] == c.top + c.plot_height and ys["4"] == c.top  # 0 at the bottom, 100 at the top
    assert [p.best for p in c.points] == [True, True, False, True]
    # The best-so-far line never goes down (SVG y grows downwards).
    line_ys = [float(pair.split(",")[1]) for pair in c.best_line.split()]
    assert line_ys == sorted(line_ys, reverse=True)


def test_everything_from_files_and_lms_is_escaped_and_nothing_is_fetched():
    html = rendered(lock_with("Answer " + EVIL, "Answer better " + EVIL, demo_text=EVIL))
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    tags = tags_of(html)
    assert all(tag not in {"script", "link", "img", "iframe", "object"} for tag, _ in tags)
    assert not [attrs for _, attrs in tags if any((v or "").startswith(("http", "//")) for v in attrs.values())]
    assert sum(1 for tag, _ in tags if tag == "style") == 1 and any(tag == "svg" for tag, _ in tags)


def test_the_report_shows_scores_trials_diffs_origins_and_usage():
    html = rendered(lock_with("Answer the question.", "Answer the question briefly."))
    assert "p on dev (valset, em)" in html and "+40.0" in html and "35.5" in html
    assert html.count('<circle class="trial') == 4
    assert re.search(r'<tr class="chosen"><td class="num">2</td>', html)  # the first of the two 80s
    assert "Stopped early: the budget of 9 LM call(s) is spent" in html
    assert "max_lm_calls" in html
    assert "Answer the question<ins> briefly</ins>." in html
    assert "bootstrapped: a run on train[4] that passed the metric" in html
    assert "labeled: train[0] as loaded" in html
    assert "optimize p, 1. Search" in html and '<td class="num">7</td>' in html


def test_replaced_words_are_struck_out_then_inserted():
    assert "Answer <del>now</del><ins>later</ins>." in rendered(lock_with("Answer now.", "Answer later."))


def test_a_frozen_report_says_no_lm_was_called():
    html = rendered(lock_with("a", "a"), Spending({}, Spent(), frozen=True))
    assert "no LM was called" in html and "Instructions unchanged" in html


@pytest.fixture
def two_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with stub_project(tmp_path, monkeypatch) as (_, project):
        for name in ("a", "b"):  # b answers everything from a's cache
            assert main(["build", str(project), "-o", str(tmp_path / name)]) == 0
    return [(tmp_path / name / "app" / "report.html").read_text(encoding="utf-8") for name in ("a", "b")]


def test_a_build_writes_its_report_and_only_the_usage_section_depends_on_the_cache(two_builds):
    first, second = two_builds
    marker = "<h2>LM usage of this run</h2>"
    assert first.split(marker)[0] == second.split(marker)[0]
    assert first.split(marker)[1] != second.split(marker)[1]
    assert "classify on dev (valset, accuracy)" in first and "<svg" in first
    assert "labeled: train[" in first
