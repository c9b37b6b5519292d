"""The sentiment sample as plain values, read from its ``.lmp`` file, for the DSPy side of the benchmarks.

The comparisons restate the sample for DSPy: the same instructions, field
names and descriptions, labels, LM options, optimizer options and data. They
are read from ``samples/sentiment/sentiment.lmp`` with lmc's own parser, so
an edit of the sample changes both sides of every comparison alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchlib import ROOT

SAMPLE = ROOT / "samples" / "sentiment" / "sentiment.lmp"
# The `lm` options that shape an answer; both sides of a comparison send them alike.
SAMPLING = ("temperature", "max_tokens", "top_p", "stop")


@dataclass(frozen=True, slots=True)
class SentimentTask:
    signature_name: str
    enum_name: str
    instructions: str
    input_name: str
    input_desc: str | None
    output_name: str
    output_desc: str | None
    labels: tuple[str, ...]
    model: str
    lm_options: dict[str, Any]
    optimizer: str  # the first step of the chain: what DSPy runs
    optimizer_options: dict[str, Any]
    chain: tuple[str, ...]  # every step: what lmc runs
    seed: int
    datasets: dict[str, Path]  # train, dev (valset) and test (the evaluate block's), by role

    def sampling(self) -> dict[str, Any]:
        """The `lm default` sampling options (temperature, max_tokens, stop, ...) as keyword arguments."""
        return {k: v for k, v in self.lm_options.items() if k in SAMPLING}

    def load(self, role: str) -> list[dict[str, Any]]:
        """The rows of one dataset (``train``, ``dev`` or ``test``)."""
        lines = self.datasets[role].read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def load_task(path: Path = SAMPLE) -> SentimentTask:
    """Read the sample's one signature, enum, `lm default`, optimize block and datasets."""
    from lmc.ir import nodes as ir
    from lmc.ir.values import options_dict, plain
    from lmc.syntax.parse import parse

    source, diagnostics = parse(path.read_text(encoding="utf-8"), str(path))
    if source is None or diagnostics:
        raise ValueError(f"{path} does not parse: {diagnostics}")
    decls = source.decls
    signature = _one(decls, ir.SignatureDecl)
    enum = _one(decls, ir.EnumDecl)
    lm = next(d for d in decls if isinstance(d, ir.LmDecl) and d.name.name == "default")
    optimize = _one(decls, ir.OptimizeDecl)
    evaluate = _one(decls, ir.EvaluateDecl)
    inputs = [f for f in signature.fields if f.direction == "in"]
    outputs = [f for f in signature.fields if f.direction == "out"]
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError("the benchmark expects one input and one output field")
    opt = options_dict(optimize.options)
    chosen = optimize.options.get("optimizer")
    # A chain `[Search {...}, Calibrate {...}]`: DSPy runs the first step (it has no Calibrate).
    steps = chosen.items if isinstance(chosen, ir.ListValue) else (chosen,)
    if not all(isinstance(step, ir.CallValue) for step in steps):
        raise ValueError("the benchmark expects `optimizer: Name { ... }` or a chain of them in the optimize block")
    optimizer, optimizer_options = steps[0].name.name, options_dict(steps[0].options)
    chain = tuple(step.name.name for step in steps)
    files = {d.name.name: path.parent / d.path for d in decls if isinstance(d, ir.DatasetDecl)}
    test = plain(evaluate.options.get("dataset"))
    return SentimentTask(
        signature_name=signature.name.name,
        enum_name=enum.name.name,
        instructions=signature.instructions or "",
        input_name=inputs[0].name.name,
        input_desc=inputs[0].desc,
        output_name=outputs[0].name.name,
        output_desc=outputs[0].desc,
        labels=tuple(m.name for m in enum.members),
        model=lm.model,
        lm_options=options_dict(lm.options),
        optimizer=optimizer,
        optimizer_options=optimizer_options,
        chain=chain,
        seed=int(opt.get("seed", 0)),
        datasets={"train": files[opt["trainset"]], "dev": files[opt["valset"]], "test": files[test]},
    )


def _one(decls: tuple[Any, ...], kind: type) -> Any:
    found = [d for d in decls if isinstance(d, kind)]
    if len(found) != 1:
        raise ValueError(f"the benchmark expects one {kind.__name__}, found {len(found)}")
    return found[0]


def dspy_signature(task: SentimentTask, *, output: str = "literal") -> Any:
    """The sample's signature as a DSPy signature: same instructions and fields.

    ``output="literal"`` types the output ``Literal["positive", "negative"]``;
    ``output="enum"`` types it as an ``Enum`` named like the ``.lmp`` enum,
    which is what lmc's prompt describes: DSPy's messages are then the same
    as lmc's, byte for byte (a ``Literal`` is named and noted differently).
    """
    import enum
    from typing import Literal

    import dspy

    if output == "enum":
        out_type: Any = enum.Enum(task.enum_name, {label: label for label in task.labels}, type=str)
    elif output == "literal":
        out_type = Literal[task.labels]  # Literal[("a", "b")] is Literal["a", "b"]
    else:
        raise ValueError(f"output must be 'literal' or 'enum', not {output!r}")
    fields = {
        task.input_name: (str, dspy.InputField(desc=task.input_desc) if task.input_desc else dspy.InputField()),
        task.output_name: (
            out_type,
            dspy.OutputField(desc=task.output_desc) if task.output_desc else dspy.OutputField(),
        ),
    }
    return dspy.make_signature(fields, task.instructions, signature_name=task.signature_name)


def label_of(value: Any) -> str:
    """A DSPy prediction's label as a string, whether typed as a ``Literal`` or an ``Enum``."""
    return str(getattr(value, "value", value))
