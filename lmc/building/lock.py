"""The lock: what a build depended on and what it decided, so it can be emitted again without an LM.

Every build writes it beside its source, as ``Cargo.lock`` sits beside
``Cargo.toml``: ``app.lmp`` gets ``app.lock`` (``lmc build --lock PATH``
chooses another place). The build folder is usually not committed; the
source, its data and the lock are, and they rebuild the identical package
with ``--frozen``. It is JSON with sorted keys (except inside learned
parameters, whose demos keep their fields' order: the package prints them in
that order), no timestamps, no absolute paths, only values that a rebuild
with the same inputs and LM answers reproduces, from a cold cache or a warm
one. It holds

- ``inputs``: lmc's version, the source's name and SHA-256, every ``lm``'s
  model id and options (after ``--lm``), ``--seed``, ``--no-optimize``, and
  the SHA-256 of every file the build reads (datasets, BM25 corpora, Python
  metric modules);
- ``blocks``: each ``optimize`` block's plan (program, metric, datasets,
  teacher, seed, the optimizer chain with every option and budget) and
  result: per optimizer its score, every candidate's score, why it stopped
  early if it did, the LM answers it used (:class:`AnswerUsage`), the
  parameters it chose and where their demos came from, and a Pareto search's
  ``frontier`` (GEPA: each candidate's parents and per-valset-row scores, a
  note per iteration); the block's baseline and optimized scores;
- ``usage``: the LM answers the whole build used (optimizers, scores, parity runs);
- ``scores``: every score row of the build (``evaluate`` blocks included);
- ``result``: the chosen parameters per module, their demos' origins, and
  each module's instructions before optimizing (for the report's diffs);
- ``build``, ``parity``: what the package's README and parity test show;
- ``package``: the SHA-256 of every file of the emitted package;
- ``knn_tables``: each KNNFewShot table once (thousands of rows), by a name
  that every module's parameters holding it give as their ``knn``, in the
  steps and in the result alike (format 2 wrote the table into each).

``lmc build --frozen`` reads it, refuses with every difference when the
inputs no longer match (``lock_inputs.mismatches``), renders the package from the
locked parameters and parity cases, and checks the result file by file
against ``package`` before writing anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codegen import BuildInfo, ParityCase
from ..codegen import ScoreRow as ReadmeRow
from ..optimize.core.base import Candidate, DemoOrigin, Frontier
from ..optimize.core.budget import Spent
from ..records import record
from ..runtime.signature import Params
from ..runtime.types import to_jsonable

if TYPE_CHECKING:
    from ..runtime.knn import KnnTable

LOCK_SUFFIX = ".lock"
# 2: answers' usage per optimizer and in all; 3: KNN tables written once (``knn_tables``), named by
# the params. A lock without a table is written as format 2, which lmc versions before 3 read too.
LOCK_FORMAT = 3
READS_FORMATS = (2, 3)  # format 2 is format 3 with every table written where it is used


class LockError(Exception):
    """A lock that cannot be read, or that does not match the build asked for."""


def lock_path_for(source: str | Path) -> Path:
    """Where a source's lock goes by default: beside it, ``app.lmp`` -> ``app.lock``."""
    return Path(source).with_suffix(LOCK_SUFFIX)


@record
class _Verbatim:
    """A JSON value written as it is: its keys keep their order (a demo's fields), not sorted."""

    value: Any


def _canonical(value: Any) -> Any:
    """``value`` as JSON with every mapping's keys sorted, except inside ``_Verbatim`` values."""
    if isinstance(value, _Verbatim):
        return to_jsonable(value.value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return to_jsonable(value)


@record
class ScoreRow:
    """One score line of a build: a program's metric on one split, before and after optimizing."""

    label: str  # "classify on dev (valset, accuracy)"
    baseline: float
    optimized: float | None

    def readme_row(self) -> ReadmeRow:
        """The row of the package README's scores table."""
        return ReadmeRow(self.label, self.baseline, self.optimized)


@record
class AnswerUsage:
    """The LM answers a build (or one optimizer of it) used, and what they cost when the LM made them.

    Answers from the cache count like answers from the LM, with the tokens
    and cost recorded when they were made, so a cold build, a rebuild from a
    warm cache and ``--frozen`` describe the same result. What one process
    actually spent is not here (the console shows it). ``unrecorded``
    answers came from a cache written before costs were recorded: the tokens
    and cost leave them out, so they are lower bounds then.
    """

    answers: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unrecorded: int = 0

    @classmethod
    def of(cls, spent: Spent) -> AnswerUsage:
        return cls(
            answers=spent.answers,
            prompt_tokens=spent.prompt_tokens + spent.cached_prompt_tokens,
            completion_tokens=spent.completion_tokens + spent.cached_completion_tokens,
            cost_usd=spent.cost_usd + spent.cached_cost_usd,
            unrecorded=spent.cached_unrecorded,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": self.cost_usd,
            "unrecorded": self.unrecorded,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AnswerUsage:
        counts = {k: data[k] for k in ("answers", "prompt_tokens", "completion_tokens", "unrecorded")}
        cost = data["cost_usd"]
        if not all(type(v) is int and v >= 0 for v in counts.values()) or type(cost) not in (int, float):
            raise ValueError(f"usage {dict(data)!r} is not counts and a cost")
        return cls(cost_usd=float(cost), **counts)


@record
class StepResult:
    """What one optimizer of a chain did (``plan`` is ``StepPlan.to_json()``, its block's chain entry)."""

    plan: Mapping[str, Any]
    score: float | None
    candidates: tuple[Candidate, ...]
    stopped: str | None
    usage: AnswerUsage
    params: Mapping[str, Params]
    origins: Mapping[str, tuple[DemoOrigin, ...]]
    frontier: Frontier | None = None  # a Pareto search's lineage and per-row scores of its candidates (GEPA)


@record
class BlockResult:
    """One ``optimize`` block: its plan (``BlockPlan.to_json()``), its steps and its scores."""

    plan: Mapping[str, Any]
    row: ScoreRow
    steps: tuple[StepResult, ...]

    @property
    def program(self) -> str:
        return str(self.plan["program"])


@record
class Lock:
    """The content of a lock file (see the module docstring)."""

    inputs: Mapping[str, Any]
    blocks: tuple[BlockResult, ...]
    scores: tuple[ScoreRow, ...]
    params: Mapping[str, Params]
    origins: Mapping[str, tuple[DemoOrigin, ...]]
    trainsets: Mapping[str, str]  # module path -> the dataset its demos' row numbers refer to
    instructions: Mapping[str, str]  # module path -> its instructions before optimizing
    build: BuildInfo
    parity: tuple[ParityCase, ...]
    package: Mapping[str, str]
    usage: AnswerUsage  # the whole build's: optimizers, scores and parity runs

    # ------------------------------------------------------------- JSON

    def to_text(self) -> str:
        tables = _Tables()
        data: dict[str, Any] = {
            "inputs": self.inputs,
            "blocks": [_block_json(b, tables) for b in self.blocks],
            "scores": [_row_json(r) for r in self.scores],
            "result": {
                "params": tables.params_json(self.params),
                "origins": {path: _origins_json(o) for path, o in self.origins.items()},
                "trainsets": dict(self.trainsets),
                "instructions": dict(self.instructions),
            },
            "build": {
                "lm": self.build.lm,
                "optimizer": self.build.optimizer,
                "lm_calls": self.build.lm_calls,
                "seed": self.build.seed,
            },
            "parity": [case.to_json() for case in self.parity],
            "package": dict(self.package),
            "usage": self.usage.to_json(),
        }
        data["format"] = LOCK_FORMAT if tables.written else 2
        if tables.written:
            data["knn_tables"] = tables.written
        return json.dumps(_canonical(data), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_text(cls, text: str) -> Lock:
        try:
            data = json.loads(text)
            if data.get("format") not in READS_FORMATS:
                formats = " and ".join(str(f) for f in READS_FORMATS)
                raise LockError(f"it has format {data.get('format')!r}; this lmc reads formats {formats}")
            _check_shape(data)
            tables = _Tables(data.get("knn_tables", {}))
            inputs = data["inputs"]
            result = data["result"]
            rows = tuple(_row(r) for r in data["scores"])
            build = data["build"]
            return cls(
                inputs=inputs,
                blocks=tuple(_block(b, tables) for b in data["blocks"]),
                scores=rows,
                params=tables.params(result["params"]),
                origins={path: _origins(o) for path, o in result["origins"].items()},
                trainsets=dict(result["trainsets"]),
                instructions=dict(result["instructions"]),
                build=BuildInfo(
                    lmc_version=inputs["lmc_version"],
                    source_name=inputs["source"]["name"],
                    source_sha256=inputs["source"]["sha256"],
                    lm=build["lm"],
                    optimizer=build["optimizer"],
                    scores=tuple(r.readme_row() for r in rows),
                    lm_calls=build["lm_calls"],
                    seed=build["seed"],
                ),
                parity=tuple(_parity(c) for c in data["parity"]),
                package=dict(data["package"]),
                usage=AnswerUsage.from_json(data["usage"]),
            )
        except LockError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LockError(f"it is not a valid lock ({type(exc).__name__}: {exc})") from exc


def _check_shape(data: Any) -> None:
    """Raise ``LockError`` unless the parts that ``mismatches`` compares have the shape it reads."""

    def dicts(value: Any, *keys: str) -> bool:
        return isinstance(value, dict) and all(k in value for k in keys)

    inputs = data["inputs"]
    ok = dicts(inputs, "lmc_version", "source", "lms", "files") and dicts(inputs["source"], "name", "sha256")
    ok = ok and all(dicts(lm, "model", "options") for lm in inputs["lms"].values())
    ok = ok and all(dicts(f, "path", "sha256") for f in inputs["files"].values())
    for block in data["blocks"]:
        ok = ok and dicts(block, "plan", "steps") and dicts(block["plan"], "program", "chain")
        ok = ok and isinstance(block["plan"]["chain"], list)
        ok = ok and all(dicts(step, "optimizer", "options", "budget") for step in block["plan"]["chain"])
    if not ok:
        raise LockError("it is not a valid lock (its inputs or optimize blocks are malformed)")


class _Tables:
    """The lock's KNN tables, each written once and named ("1", "2", ... in the order the lock meets them:
    blocks, their steps, then the result; each one's modules by path) for the params that hold it."""

    def __init__(self, read: Mapping[str, Any] | None = None) -> None:
        self.written: dict[str, _Verbatim] = {}
        self._named: list[tuple[KnnTable, str]] = []
        self._read = read or {}
        self._tables: dict[str, KnnTable] = {}

    def params_json(self, params: Mapping[str, Params]) -> dict[str, _Verbatim]:
        found = {}
        for path in sorted(params):
            data = params[path].to_json()
            table = params[path].knn
            if table is not None:
                data["knn"] = self._name(table)
            found[path] = _Verbatim(data)
        return found

    def _name(self, table: KnnTable) -> str:
        for held, name in self._named:
            if held is table or held == table:
                return name
        name = str(len(self._named) + 1)
        self._named.append((table, name))
        self.written[name] = _Verbatim(table.to_json())
        return name

    def params(self, data: Mapping[str, Any]) -> dict[str, Params]:
        """Params read back; a table named by several is read once, and they share it."""
        found = {}
        for path, p in data.items():
            name = p.get("knn")
            if name is not None and not isinstance(name, (str, Mapping)):
                raise LockError(f"the KNN table of {path} is {type(name).__name__}, neither a table nor a name")
            if isinstance(name, str):
                if name not in self._tables:
                    if name not in self._read:
                        raise LockError(f"its params name the KNN table {name!r}, which it does not hold")
                    from ..runtime.knn import KnnTable  # only a lock with a table pays for its import

                    self._tables[name] = KnnTable.from_json(self._read[name])
                p = {**p, "knn": self._tables[name]}
            found[path] = Params.from_json(p)
        return found


def _block_json(block: BlockResult, tables: _Tables) -> dict[str, Any]:
    return {
        "plan": block.plan,
        "row": _row_json(block.row),
        "steps": [_step_json(s, tables) for s in block.steps],
    }


def _step_json(s: StepResult, tables: _Tables) -> dict[str, Any]:
    step: dict[str, Any] = {
        "score": s.score,
        "candidates": [[c.label, c.score] for c in s.candidates],
        "stopped": s.stopped,
        "usage": s.usage.to_json(),
        "params": tables.params_json(s.params),
        "origins": {path: _origins_json(o) for path, o in s.origins.items()},
    }
    chosen = [i for i, c in enumerate(s.candidates) if c.chosen]
    if chosen:  # only an optimizer that marks its choice (SIMBA, GEPA) writes it
        step["chosen"] = chosen[0]
    if s.frontier is not None:  # only a Pareto search (GEPA) has one
        step["frontier"] = {
            "parents": [list(p) for p in s.frontier.parents],
            "rows": [list(r) for r in s.frontier.rows],
            "notes": list(s.frontier.notes),
        }
    return step


def _frontier(data: Mapping[str, Any] | None) -> Frontier | None:
    if data is None:
        return None
    return Frontier(
        parents=tuple(tuple(int(i) for i in p) for p in data["parents"]),
        rows=tuple(tuple(float(v) for v in r) for r in data["rows"]),
        notes=tuple(str(n) for n in data["notes"]),
    )


def _block(data: Mapping[str, Any], tables: _Tables) -> BlockResult:
    """A block read back; each step's plan is the block's chain entry (written once)."""
    steps = tuple(
        StepResult(
            plan=plan,
            score=s["score"],
            candidates=tuple(
                Candidate(label, score, chosen=i == s.get("chosen")) for i, (label, score) in enumerate(s["candidates"])
            ),
            stopped=s["stopped"],
            usage=AnswerUsage.from_json(s["usage"]),
            params=tables.params(s["params"]),
            origins={path: _origins(o) for path, o in s["origins"].items()},
            frontier=_frontier(s.get("frontier")),
        )
        for plan, s in zip(data["plan"]["chain"], data["steps"], strict=True)
    )
    return BlockResult(plan=data["plan"], row=_row(data["row"]), steps=steps)


def _row_json(row: ScoreRow) -> dict[str, Any]:
    return {"label": row.label, "baseline": row.baseline, "optimized": row.optimized}


def _row(data: Mapping[str, Any]) -> ScoreRow:
    return ScoreRow(data["label"], data["baseline"], data["optimized"])


def _origins_json(origins: Sequence[DemoOrigin]) -> list[dict[str, Any]]:
    return [{"kind": o.kind, "index": o.index} for o in origins]


def _origins(data: Sequence[Mapping[str, Any]]) -> tuple[DemoOrigin, ...]:
    return tuple(DemoOrigin(o["kind"], o["index"]) for o in data)


def _parity(data: Mapping[str, Any]) -> ParityCase:
    calls = tuple(
        (tuple(call["messages"]), call["response"], call["lm"])
        if "lm" in call
        else (tuple(call["messages"]), call["response"])
        for call in data["calls"]
    )
    return ParityCase(program=data["program"], inputs=data["inputs"], calls=calls)


def read_lock(path: Path) -> Lock:
    """The lock at ``path``; :class:`LockError` says why it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockError(f"there is no {path}: build once without --frozen to write it") from None
    except OSError as exc:
        raise LockError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return Lock.from_text(text)
    except LockError as exc:
        raise LockError(f"{path}: {exc}") from None
