"""``report.html``: scores, the trials chart, instruction diffs, demo origins and usage, escaped and offline.

The page is rendered from the lock alone, so a cold build, a warm rebuild
and ``--frozen`` write it byte for byte the same.
"""

from __future__ import annotations

import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

from lmc.building.lock import AnswerUsage, BlockResult, Lock, ScoreRow, StepResult
from lmc.building.report import Segment, chart, render_report, word_diff
from lmc.cli.main import main
from lmc.codegen import BuildInfo
from lmc.optimize.core.base import Candidate, DemoOrigin, Frontier
from lmc.runtime.lm.cache import Cache
from lmc.runtime.signature import Params
from tests.stub_project import stub_project

EVIL = '<script>alert("x")</script> & </pre><b>'


def lock_with(
    instructions: str, new_instructions: str, demo_text: str = "fine", usage: AnswerUsage | None = None
) -> Lock:
    params = {"p.m": Params(instructions=new_instructions, demos=({"q": demo_text, "a": "b"}, {"q": "2", "a": "c"}))}
    origins = {"p.m": (DemoOrigin("bootstrapped", 4), DemoOrigin("labeled", 0))}
    step = StepResult(
        plan={"optimizer": "Search", "options": {"n": 3}, "budget": {"max_lm_calls": 9}},
        score=80.0,
        candidates=(Candidate("zero-shot", 40.0), Candidate(EVIL, 80.0), Candidate("c", 80.0), Candidate("d", 60.0)),
        stopped="the budget of 9 LM call(s) is spent",
        usage=AnswerUsage(answers=9, prompt_tokens=1234, completion_tokens=56, cost_usd=0.00125),
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
        usage=usage or AnswerUsage(answers=14, prompt_tokens=2000, completion_tokens=90, cost_usd=0.5),
    )


def rendered(lock: Lock) -> str:
    return render_report(lock)


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
    assert "LM answers used: 9 (from the LM or its cache)" in html
    step_row = '<td>optimize p, 1. Search</td><td class="num">9</td><td class="num">1,234</td><td class="num">56</td>'
    assert step_row + '<td class="num">0.0013</td>' in html
    assert '<td>the whole build</td><td class="num">14</td><td class="num">2,000</td>' in html
    assert "lmc build --frozen" in html and "at least" not in html and "unknown" not in html


def with_frontier(lock: Lock, notes: tuple[str, ...]) -> Lock:
    """``lock`` whose step is a Pareto search of three candidates: 1 and 2 come from 0, 3 merges them."""
    step = lock.blocks[0].steps[0]
    candidates = (
        Candidate("start", 25.0),
        Candidate("one", 50.0),
        Candidate("two", 50.0),
        Candidate("both", 100.0, chosen=True),
    )
    frontier = Frontier(
        parents=((), (0,), (0,), (1, 2)),
        rows=((0.0, 1.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)),
        notes=notes,
    )
    step = StepResult(
        **{**{f: getattr(step, f) for f in step.__slots__}, "candidates": candidates, "frontier": frontier}
    )
    block = lock.blocks[0]
    return Lock(
        **{**{f: getattr(lock, f) for f in lock.__slots__}, "blocks": (BlockResult(block.plan, block.row, (step,)),)}
    )


def test_a_pareto_search_shows_each_candidates_parents_and_the_frontier_of_each_row():
    html = rendered(with_frontier(lock_with("a", "b"), ("iteration 1: a merge",)))
    assert "Lineage and Pareto frontier" in html and "score on dev" in html
    lineage = re.findall(
        r'<tr(?: class="chosen")?><td class="num">(\d)</td><td>([^<]*)</td><td class="num">([^<]*)</td>'
        r'<td class="num">(\d) of 2</td>',
        html,
    )
    assert lineage == [
        ("0", "-", "25.0", "1"),
        ("1", "0", "50.0", "1"),
        ("2", "0", "50.0", "1"),
        ("3", "1 and 2", "100.0", "2"),
    ]
    assert '<tr class="chosen"><td class="num">3</td><td>1 and 2</td>' in html  # the one marked chosen
    rows = re.findall(r'<tr><td class="num">(\d)</td><td class="num">([^<]*)</td><td>([^<]*)</td></tr>', html)
    assert rows == [("1", "1", "1, 3"), ("2", "1", "0, 2, 3")]
    assert "<li>iteration 1: a merge</li>" in html


def test_a_frontiers_notes_are_escaped():
    html = rendered(with_frontier(lock_with("a", "b"), (EVIL,)))
    assert "<script" not in html and "<b>" not in html and "&lt;script&gt;" in html


def test_replaced_words_are_struck_out_then_inserted():
    assert "Answer <del>now</del><ins>later</ins>." in rendered(lock_with("Answer now.", "Answer later."))


def test_answers_without_a_recorded_cost_make_the_figures_lower_bounds_or_unknown():
    some = AnswerUsage(answers=14, prompt_tokens=2000, completion_tokens=90, cost_usd=0.5, unrecorded=3)
    html = rendered(lock_with("a", "a", usage=some))
    assert '<td class="num">14</td><td class="num">at least 2,000</td><td class="num">at least 90</td>' in html
    assert '<td class="num">at least 0.5000</td>' in html
    assert "3 answer(s) came from a cache written before lmc recorded tokens and cost" in html
    every = AnswerUsage(answers=14, unrecorded=14)
    html = rendered(lock_with("a", "a", usage=every))
    assert '<td class="num">14</td><td class="num">unknown</td><td class="num">unknown</td>' in html
    assert "Instructions unchanged" in html


def report_of(out: Path) -> str:
    return (out / "app" / "report.html").read_text(encoding="utf-8")


def test_a_build_writes_its_report_and_a_warm_rebuild_writes_the_same_bytes(tmp_path: Path, monkeypatch):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        assert main(["build", str(project), "-o", str(tmp_path / "a")]) == 0
        calls = server.count
        assert main(["build", str(project), "-o", str(tmp_path / "b")]) == 0  # every answer from a's cache
        assert server.count == calls
    first, second = report_of(tmp_path / "a"), report_of(tmp_path / "b")
    assert first == second
    assert "classify on dev (valset, accuracy)" in first and "<svg" in first
    assert "labeled: train[" in first
    # The stub reports 11 prompt tokens per answer; cached answers (the zero-shot candidate asks what the
    # baseline asked, even in the first build) count the tokens recorded when they were made.
    answers = Lock.from_text((tmp_path / "app.lock").read_text()).usage.answers
    assert answers > calls
    whole = f'<td>the whole build</td><td class="num">{answers:,}</td><td class="num">{11 * answers:,}</td>'
    assert whole in first


def test_a_cache_written_before_costs_were_recorded_gives_lower_bounds(tmp_path: Path, monkeypatch):
    """Rows of an older cache hold no tokens or cost: the report says "at least", never a wrong exact figure."""
    with stub_project(tmp_path, monkeypatch) as (server, project):
        assert main(["build", str(project), "-o", str(tmp_path / "a"), "--lock", str(tmp_path / "a.lock")]) == 0
        db = sqlite3.connect(tmp_path / "cache" / Cache.FILENAME)
        with db:  # as an older lmc would have left every other row
            db.execute(
                "UPDATE answers SET prompt_tokens = NULL, completion_tokens = NULL, cost_usd = NULL WHERE rowid % 2 = 0"
            )
        db.close()
        calls = server.count
        assert main(["build", str(project), "-o", str(tmp_path / "b"), "--lock", str(tmp_path / "b.lock")]) == 0
        assert server.count == calls
    lock_a = Lock.from_text((tmp_path / "a.lock").read_text())
    lock_b = Lock.from_text((tmp_path / "b.lock").read_text())
    assert lock_b.usage.answers == lock_a.usage.answers and 0 < lock_b.usage.unrecorded < lock_b.usage.answers
    assert lock_b.usage.prompt_tokens == 11 * (lock_b.usage.answers - lock_b.usage.unrecorded)
    assert lock_b.params == lock_a.params and lock_b.scores == lock_a.scores
    html = report_of(tmp_path / "b")
    assert "at least" in html and f"{lock_b.usage.unrecorded} answer(s) came from a cache written before" in html


def test_the_compiled_report_template_is_kept_and_renders_the_same(tmp_path: Path, monkeypatch):
    """The report's template is compiled once into lmc's cache folder, as the package templates are
    (it was compiled again in every build, ~20 ms); autoescaping still holds from the kept file."""
    from lmc import resources
    from lmc.building import report

    lock = lock_with("Answer " + EVIL, "Answer better " + EVIL, demo_text=EVIL)
    monkeypatch.setattr(resources, "_cache_root", None)
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    report._environment.cache_clear()
    try:
        uncached = render_report(lock)
        monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "cache"))
        report._environment.cache_clear()
        assert render_report(lock) == uncached
        assert list((tmp_path / "cache" / "templates").glob("__jinja2_*.cache"))
        report._environment.cache_clear()
        kept = render_report(lock)  # from the kept file
    finally:
        report._environment.cache_clear()
    assert kept == uncached and "<script" not in kept
