"""Rate limits, 5xx and timeouts are retried by the LM and never become a candidate's low score.

The program's module sends its request to a real ``LM`` pointed at the
loopback stub server, which answers some requests with HTTP 429 or 500 first.
"""

from __future__ import annotations

import json

import pytest

from lmc.host.evaluate import evaluate
from lmc.optimize import BootstrapFewShotWithRandomSearch, Task
from lmc.runtime.errors import LMError
from lmc.runtime.lm.client import LM
from tests.optimize.fakes import classify_program, correct_label, index_of, label_match, sentences
from tests.runtime.stub_server import StubServer

KEY_ENV = "LMC_INFRA_TEST_KEY"
TRAIN, VAL = sentences(6), sentences(4, prefix="v")


def knows_even_rows(body: dict) -> str:
    """Right on even-numbered sentences, and on any sentence a demo shows."""
    request = json.loads(body["messages"][-1]["content"])
    sentence = request["inputs"]["sentence"]
    shown = {d["sentence"] for d in request["demos"]}
    right = index_of(sentence) % 2 == 0 or sentence.replace("v", "s") in shown
    return json.dumps({"label": correct_label(sentence) if right else "WRONG"})


class Flaky:
    """Answers like ``knows_even_rows``; on the requests numbered in ``fail_after`` it queues failures."""

    def __init__(self, server: StubServer, fail_after: dict[int, list[int]]) -> None:
        self.server = server
        self.fail_after = fail_after
        self.answered = 0

    def __call__(self, body: dict) -> str:
        self.answered += 1
        for status in self.fail_after.get(self.answered, []):
            self.server.fail(status)
        return knows_even_rows(body)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "sk-infra")
    with StubServer(answer=knows_even_rows) as stub:
        yield stub


def stub_lm(server: StubServer, **options) -> LM:
    return LM("openai/stub", api_base=server.api_base, api_key_env=KEY_ENV, backoff=0.01, **options)


def test_the_evaluator_scores_retried_requests_like_any_other(server: StubServer):
    program = classify_program()
    params = program.default_params()
    clean = evaluate(program, VAL, label_match, lm=stub_lm(server), params=params)
    server.fail(429)
    server.fail(500)
    before = server.count
    flaky = evaluate(program, VAL, label_match, lm=stub_lm(server), params=params, fatal=(LMError,))
    assert server.count - before == len(VAL) + 2  # two failures, retried
    assert [r.score for r in flaky.results] == [r.score for r in clean.results]
    assert flaky.score == clean.score == 50.0 and flaky.errors == 0


def search(lm: LM):
    task = Task(program=classify_program(), trainset=TRAIN, valset=VAL, metric=label_match, lm=lm, threads=2)
    optimizer = BootstrapFewShotWithRandomSearch(
        max_bootstrapped_demos=2, max_labeled_demos=2, num_candidate_programs=2
    )
    return optimizer.compile(task)


def test_candidates_score_the_same_with_failures_in_the_middle_of_the_search(server: StubServer):
    clean = search(stub_lm(server))
    server.answer = Flaky(server, {3: [429, 429], 11: [500], 20: [503, 429]})
    before = server.count
    flaky = search(stub_lm(server))
    assert server.count - before == clean.lm_calls + 5
    assert flaky.candidates == clean.candidates
    assert flaky.params == clean.params and flaky.score == clean.score


def test_failures_that_outlast_the_retries_stop_the_optimizer_instead_of_scoring_zero(server: StubServer):
    server.fail(500, times=100)
    with pytest.raises(LMError, match=r"gave up after 2 attempt\(s\).*HTTP 500"):
        search(stub_lm(server, num_retries=1))
