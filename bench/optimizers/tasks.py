"""The benchmark's tasks, read from their ``.lmp`` files so that both sides run the same one.

A task is one program with one module, an exact-match metric, a trainset
and a devset (the valset). lmc runs the ``.lmp`` file itself; DSPy gets the
same signature (instructions, fields, descriptions; an ``enum`` becomes an
``Enum`` of the same name, so the prompts are lmc's byte for byte), the same
module kind, the same rows and the same ``lm default`` sampling options.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLING = ("temperature", "max_tokens", "top_p", "stop")  # the lm options that shape an answer


@dataclass(frozen=True, slots=True)
class BenchTask:
    name: str
    lmp: Path
    program: str  # the lmc program
    module_kind: str  # Predict or ChainOfThought: DSPy's module of the same name
    signature: str
    metric: str
    trainset: str
    devset: str

    @property
    def folder(self) -> Path:
        return self.lmp.parent

    def source(self) -> Any:
        from lmc.syntax.parse import parse

        source, diagnostics = parse(self.lmp.read_text(encoding="utf-8"), str(self.lmp))
        if source is None or diagnostics:
            raise ValueError(f"{self.lmp} does not parse: {diagnostics}")
        return source

    def rows(self, dataset: str) -> list[dict[str, Any]]:
        from lmc.ir import nodes as ir

        decl = next(d for d in self.source().decls if isinstance(d, ir.DatasetDecl) and d.name.name == dataset)
        lines = (self.folder / decl.path).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def dataset_path(self, dataset: str) -> Path:
        from lmc.ir import nodes as ir

        decl = next(d for d in self.source().decls if isinstance(d, ir.DatasetDecl) and d.name.name == dataset)
        return self.folder / decl.path

    def fields(self) -> tuple[str, str]:
        """The one input and the scored output field."""
        sig = self._signature()
        return sig.inputs[0].name.name, sig.outputs[-1].name.name

    def sampling(self) -> dict[str, Any]:
        """The ``lm default`` options that shape an answer, as keyword arguments."""
        from lmc.ir import nodes as ir
        from lmc.ir.values import options_dict

        lm = next(d for d in self.source().decls if isinstance(d, ir.LmDecl) and d.name.name == "default")
        return {k: v for k, v in options_dict(lm.options).items() if k in SAMPLING}

    def model(self) -> str:
        from lmc.ir import nodes as ir

        return next(d for d in self.source().decls if isinstance(d, ir.LmDecl) and d.name.name == "default").model

    def with_lm_line(self, line: str) -> str:
        """The file's text with its ``lm default`` declaration replaced by ``line``."""
        text, count = re.subn(r"(?m)^lm default = .*$", line, self.lmp.read_text(encoding="utf-8"))
        if count != 1:
            raise ValueError(f"{self.lmp}: expected one `lm default` line")
        return text

    def dspy_signature(self) -> Any:
        """The signature for DSPy: same instructions, fields and descriptions; enums as Enums."""
        import enum

        import dspy

        from lmc.ir import nodes as ir

        enums = {d.name.name: d for d in self.source().decls if isinstance(d, ir.EnumDecl)}
        sig = self._signature()
        fields: dict[str, Any] = {}
        for f in sig.fields:
            type_name = f.type.name.name if isinstance(f.type, ir.NamedType) else None
            if type_name in enums:
                members = [m.name for m in enums[type_name].members]
                annotation: Any = enum.Enum(type_name, {m: m for m in members}, type=str)
            elif type_name == "str":
                annotation = str
            else:
                raise ValueError(f"{self.lmp}: the benchmark handles str and enum fields, not {f.type}")
            kind = dspy.InputField if f.direction == "in" else dspy.OutputField
            fields[f.name.name] = (annotation, kind(desc=f.desc) if f.desc else kind())
        return dspy.make_signature(fields, sig.instructions or "", signature_name=self.signature)

    def _signature(self) -> Any:
        from lmc.ir import nodes as ir

        return next(d for d in self.source().decls if isinstance(d, ir.SignatureDecl) and d.name.name == self.signature)


def scale_task(rows: int) -> BenchTask:
    """``build_scaling.py``'s generated classification task at ``rows`` rows (train = dev), written
    under ``bench/results/tmp/`` the first time: the comparison at scale (``compare.py --only scaleN``)."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    import build_scaling

    folder = ROOT / "bench" / "results" / "tmp" / f"scale{rows}"
    lmp = folder / "scale.lmp"
    if not lmp.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        build_scaling.write_task(folder, rows)
        text = build_scaling.source("http://127.0.0.1:9/v1")
        lmp.write_text(text.split("\noptimize ")[0], encoding="utf-8")  # the sides run the optimizers themselves
    return BenchTask(
        name=f"scale{rows}",
        lmp=lmp,
        program="classify",
        module_kind="Predict",
        signature="Classify",
        metric="em",
        trainset="rows",
        devset="rows",
    )


TASKS = {
    "sentiment": BenchTask(
        name="sentiment",
        lmp=ROOT / "samples" / "sentiment" / "sentiment.lmp",
        program="classify",
        module_kind="Predict",
        signature="Classify",
        metric="accuracy",
        trainset="train",
        devset="dev",
    ),
    "arithmetic": BenchTask(
        name="arithmetic",
        lmp=ROOT / "bench" / "optimizers" / "qa" / "arithmetic.lmp",
        program="solve",
        module_kind="ChainOfThought",
        signature="Arithmetic",
        metric="em",
        trainset="train",
        devset="dev",
    ),
}
SCALE_ROWS = 2000
TASKS[f"scale{SCALE_ROWS}"] = scale_task(SCALE_ROWS)
