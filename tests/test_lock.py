"""The lock (``app.lmp`` -> ``app.lock``) and ``lmc build --frozen``: the same package again, from the lock alone, with no LM call."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lmc.building.lock import Lock
from lmc.cli.main import main
from tests.runtime.stub_server import StubServer
from tests.stub_project import stub_project


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A project built once (the lock written), its stub server still up: ``(server, project, out)``."""
    with stub_project(tmp_path, monkeypatch) as (server, project):
        out = tmp_path / "out"
        assert main(["build", str(project), "-o", str(out), "--threads", "2"]) == 0
        yield server, project, out


def refuse_every_request(server: StubServer) -> int:
    """From now on the LM answers every request with an error; returns the requests so far."""
    server.fail(500, times=1000)
    return server.count


def test_frozen_emits_identical_bytes_without_any_lm_call(built, tmp_path: Path, capsys):
    server, project, out = built
    before = files_of(out / "app")
    shutil.rmtree(tmp_path / "cache")  # no cached answer either
    requests = refuse_every_request(server)
    capsys.readouterr()

    assert main(["build", str(project), "-o", str(out), "--frozen"]) == 0
    assert server.count == requests, "--frozen called the LM"
    assert not list((tmp_path / "cache").glob("lm-cache*"))  # no answer cached (lmc's own caches may be there)
    assert files_of(out / "app") == before  # report.html too: it is rendered from the lock
    assert "no LM called" in capsys.readouterr().err


def test_cold_warm_and_frozen_builds_write_identical_trees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The whole ``DIR/<name>/`` (package, build.json, report.html) and the lock are the same three ways."""
    with stub_project(tmp_path, monkeypatch) as (server, project):
        cold, warm, frozen = (tmp_path / name for name in ("cold", "warm", "frozen"))
        assert main(["build", str(project), "-o", str(cold), "--threads", "2"]) == 0
        calls = server.count
        assert main(["build", str(project), "-o", str(warm), "--threads", "2"]) == 0
        assert server.count == calls  # every answer came from the cache
        lock = project.with_suffix(".lock").read_bytes()  # the warm build wrote it again: the same bytes
        shutil.rmtree(tmp_path / "cache")
        refuse_every_request(server)
        assert main(["build", str(project), "-o", str(frozen), "--frozen"]) == 0
        assert server.count == calls
        assert project.with_suffix(".lock").read_bytes() == lock
    tree = files_of(cold / "app")
    assert "report.html" in tree and "lmc.lock" not in tree
    assert files_of(warm / "app") == tree
    assert files_of(frozen / "app") == tree


def test_frozen_output_passes_the_package_parity_test(built):
    server, project, out = built
    refuse_every_request(server)
    assert main(["build", str(project), "-o", str(out), "--frozen"]) == 0
    parity = json.loads((out / "app" / "app" / "tests" / "parity.json").read_text())
    assert parity and all(case["calls"] for case in parity)


def test_the_lock_holds_what_the_build_decided(built):
    _, project, out = built
    lock = json.loads(project.with_suffix(".lock").read_text())
    assert lock["inputs"]["lms"]["default"]["model"] == "openai/stub"
    assert set(lock["inputs"]["files"]) == {"dataset train", "dataset dev"}
    assert all(len(f["sha256"]) == 64 for f in lock["inputs"]["files"].values())
    (block,) = lock["blocks"]
    assert block["plan"]["chain"][0]["options"]["num_candidate_programs"] == 2
    assert block["plan"]["seed"] == 0 and block["row"]["optimized"] == 75.0
    (step,) = block["steps"]
    assert [c[0] for c in step["candidates"]][:3] == ["zero-shot", "labeled", "bootstrap"]
    params = lock["result"]["params"]["classify.judge"]
    assert len(params["demos"]) == len(lock["result"]["origins"]["classify.judge"]) == 2
    assert [row["label"] for row in lock["scores"]][1].endswith("(evaluate, accuracy)")
    assert "app/params.py" in lock["package"]
    # Every answer used, cached or not, with what it cost when made (the stub: 11 tokens in, 7 out, no price).
    usage = lock["usage"]
    assert usage["answers"] > step["usage"]["answers"] > 0 and usage["unrecorded"] == 0
    for counted in (usage, step["usage"]):
        assert counted["prompt_tokens"] == 11 * counted["answers"]
        assert counted["completion_tokens"] == 7 * counted["answers"]
        assert counted["cost_usd"] == 0.0
    text = project.with_suffix(".lock").read_text()
    assert text == Lock.from_text(text).to_text()  # reads back to the same bytes
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_frozen_refuses_when_the_data_changed(built, capsys):
    server, project, out = built
    refuse_every_request(server)
    train = project.parent / "train.jsonl"
    train.write_text(train.read_text() + json.dumps({"sentence": "New.", "sentiment": "positive"}) + "\n")
    capsys.readouterr()
    assert main(["build", str(project), "-o", str(out), "--frozen"]) == 3
    err = capsys.readouterr().err
    assert "does not match" in err and "dataset train (train.jsonl) changed" in err
    assert "dataset dev" not in err


def test_frozen_refuses_when_options_changed_and_says_which(built, capsys):
    server, project, out = built
    refuse_every_request(server)
    source = project.read_text().replace("num_candidate_programs: 2", "num_candidate_programs: 3")
    project.write_text(source.replace("seed: 0", "seed: 0, threads: 1"))
    capsys.readouterr()
    assert main(["build", str(project), "-o", str(out), "--frozen", "--seed", "4", "--lm", "openai/other"]) == 3
    err = capsys.readouterr().err
    assert "the source app.lmp changed" in err
    assert "BootstrapFewShotWithRandomSearch (step 1): options `num_candidate_programs` changed" in err
    assert "optimize `classify`: seed is 4 now; the lock has 0" in err
    assert "--seed is 4; the lock was built with not given" in err
    assert "lm `default` is `openai/other` now; the lock has `openai/stub`" in err
    assert "Traceback" not in err


def test_frozen_refuses_a_package_that_would_differ(built, capsys):
    """A file the package copies (here: lmc's own runtime, as the lock lists it) no longer matches."""
    server, project, out = built
    refuse_every_request(server)
    lock_path = project.with_suffix(".lock")
    lock = json.loads(lock_path.read_text())
    lock["package"]["app/_runtime/lm.py"] = "0" * 64
    lock_path.write_text(json.dumps(lock))
    capsys.readouterr()
    assert main(["build", str(project), "-o", str(out), "--frozen"]) == 3
    assert "the package would differ from the locked one in app/_runtime/lm.py" in capsys.readouterr().err


def test_frozen_without_a_lock_or_with_a_broken_one(tmp_path: Path, monkeypatch, capsys):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        out = tmp_path / "out"
        assert main(["build", str(project), "-o", str(out), "--frozen"]) == 3
        assert "build once without --frozen" in capsys.readouterr().err
        project.with_suffix(".lock").write_text("{not json")
        assert main(["build", str(project), "-o", str(out), "--frozen"]) == 3
        err = capsys.readouterr().err
        assert "is not a valid lock" in err and "Traceback" not in err
        assert server.count == 0


def test_a_no_optimize_build_is_locked_too(tmp_path: Path, monkeypatch):
    with stub_project(tmp_path, monkeypatch) as (server, project):
        out = tmp_path / "out"
        assert main(["build", str(project), "-o", str(out), "--no-optimize"]) == 0
        before = files_of(out / "app")
        assert main(["build", str(project), "-o", str(out), "--no-optimize", "--frozen"]) == 0
        assert files_of(out / "app") == before
        assert main(["build", str(project), "-o", str(out), "--frozen"]) == 3  # the lock says --no-optimize
        assert server.count == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda lock: lock["inputs"].pop("lms"),
        lambda lock: lock["inputs"]["files"].update({"dataset x": "a file"}),
        lambda lock: lock["blocks"][0]["plan"].update({"chain": "BootstrapFewShot"}),
        lambda lock: lock.update({"format": 99}),
    ],
)
def test_a_damaged_lock_is_refused_with_a_message(built, capsys, damage):
    server, project, out = built
    refuse_every_request(server)
    lock_path = project.with_suffix(".lock")
    lock = json.loads(lock_path.read_text())
    damage(lock)
    lock_path.write_text(json.dumps(lock))
    capsys.readouterr()
    assert main(["build", str(project), "-o", str(out), "--frozen"]) == 3
    err = capsys.readouterr().err
    assert "app.lock: it" in err and "Traceback" not in err and "internal error" not in err


def test_the_whole_build_counts_every_answer_including_the_prompt_models_samples(tmp_path: Path, monkeypatch):
    """COPRO samples its prompt model through LM copies at other temperatures; the build's total counts them.

    Without a cache every answer is a request, so the lock's total must equal what the server answered.
    """
    edit = (
        "BootstrapFewShotWithRandomSearch { max_bootstrapped_demos: 2, max_labeled_demos: 2, num_candidate_programs: 2 }",
        "COPRO { breadth: 2, depth: 1 }",
    )
    with stub_project(tmp_path, monkeypatch, replace=[edit]) as (server, project):
        assert main(["build", str(project), "-o", str(tmp_path / "out"), "--no-cache"]) == 0
    lock = Lock.from_text(project.with_suffix(".lock").read_text())
    (step,) = lock.blocks[0].steps
    assert 0 < step.usage.answers < lock.usage.answers == server.count
    assert lock.usage.prompt_tokens == 11 * server.count
