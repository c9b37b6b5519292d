"""A checked file ready to run: its generated code, LMs, datasets and metrics.

The generated package is rendered from the IR and imported (its ``_runtime``
bound to ``lmc.runtime``), so ``lmc run``, ``eval``, ``prompt`` and the
optimizers all execute the very code that ``lmc build`` ships.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from ..codegen import render_package
from ..data.datasets import Dataset, load_dataset
from ..ir import nodes as ir
from ..ir.values import options_dict
from ..runtime.lm.client import LM
from ..runtime.signature import Params
from .frontend import Loaded
from .lms import LmSettings, make_lm
from .loader import load_package
from .metrics import JudgeParts, Metric, make_metric
from .naming import internal_name


@dataclass
class Session:
    loaded: Loaded
    settings: LmSettings = field(default_factory=LmSettings)
    threads: int = 4
    # The parameters ``run``, ``eval`` and ``prompt`` use (a lock's learned ones); None: the defaults.
    params: Mapping[str, Params] | None = None
    name: str | None = None  # the package's name (checked by ``naming.check_name``); None: from the file
    _lms: dict[str, LM] = field(default_factory=dict)
    _datasets: dict[str, Dataset] = field(default_factory=dict)

    @property
    def source(self) -> ir.SourceFile:
        assert self.loaded.source is not None
        return self.loaded.source

    @property
    def base_dir(self) -> Path:
        return self.loaded.base_dir

    @property
    def package(self) -> str:
        return self.name or internal_name(self.loaded.path)

    def render(self, params: Mapping[str, Params] | None = None, **extra: Any) -> dict:
        return render_package(
            self.source,
            package=self.package,
            source_dir=self.base_dir,
            source_text=self.loaded.text or "",
            params=params,
            **extra,
        )

    @cached_property
    def generated(self) -> ModuleType:
        """The generated package with the session's parameters baked in (the defaults when none), imported."""
        return load_package(self.render(params=self.params, importable=True), package=self.package)

    def program(self, name: str) -> Any:
        return self.generated.programs.PROGRAMS[name]

    def lm_names(self) -> tuple[str, ...]:
        """The LMs this session has made so far (a judge metric makes the one it names)."""
        return tuple(self._lms)

    def lm(self, name: str = "default") -> LM:
        if name not in self._lms:
            self._lms[name] = make_lm(self.source, name, self.settings)
        return self._lms[name]

    def dataset(self, name: str, program: str | None = None) -> Dataset:
        """The dataset, a CSV file's cells typed by ``program``'s fields (default: the programs it is used with)."""
        key = f"{name}\0{program or ''}"
        if key not in self._datasets:
            decl = self.decl(ir.DatasetDecl, name)
            opts = options_dict(decl.options)
            self._datasets[key] = load_dataset(
                self.base_dir / decl.path,
                name=name,
                input_keys=opts.get("inputs", []),
                limit=opts.get("limit"),
                types=self._field_types([program] if program else self._programs_using(name)),
            )
        return self._datasets[key]

    def _programs_using(self, dataset: str) -> list[str]:
        """The programs whose optimize or evaluate blocks read ``dataset``, in file order."""
        found: list[str] = []
        for decl in self.source.of(ir.OptimizeDecl) + self.source.of(ir.EvaluateDecl):
            names = options_dict(decl.options)
            if dataset in (names.get("trainset"), names.get("valset"), names.get("dataset")):
                found.append(decl.program.name)
        return list(dict.fromkeys(found))

    def _field_types(self, programs: list[str]) -> dict[str, Any]:
        """Field name -> type over the programs' inputs and outputs (the first program to name a field wins)."""
        types: dict[str, Any] = {}
        for name in programs:
            program = self.program(name)
            for f in (*program.inputs, *program.outputs):
                types.setdefault(f.name, f.annotation)
        return types

    def metric(self, name: str) -> Metric:
        judge = JudgeParts(self.generated.programs.SIGNATURES, self.lm)
        return make_metric(self.decl(ir.MetricDecl, name), self.base_dir, judge)

    def decl(self, kind: type, name: str) -> Any:
        for d in self.source.of(kind):
            if d.name.name == name:
                return d
        raise KeyError(f"no {kind.__name__} named `{name}`")
