"""What every check receives: the file, its folder, the sink, and the file's names.

Name resolution lives here because several checks resolve references (names
in option blocks, in metrics, in program bodies) and a reference must be
reported once, the same way, whichever check meets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from types import MappingProxyType
from typing import TypeGuard, TypeVar

from ..diagnostics import catalog
from ..diagnostics.catalog import Entry, Help
from ..diagnostics.core import DiagnosticSink, Span, did_you_mean
from ..ir import nodes as ir
from ..records import record
from ..schemas.blocks import BUILTIN_TYPES, article

# The declarations that bind a name in the file namespace (the keys of ``ir.DECL_KIND``).
NamedDecl = (
    ir.LmDecl
    | ir.EnumDecl
    | ir.TypeDecl
    | ir.SignatureDecl
    | ir.ToolDecl
    | ir.RetrieverDecl
    | ir.ProgramDecl
    | ir.MetricDecl
    | ir.DatasetDecl
)

D = TypeVar("D", bound=NamedDecl)
N = TypeVar("N")


def is_named(decl: ir.Decl) -> TypeGuard[NamedDecl]:
    """Whether ``decl`` binds a name (every declaration but ``optimize`` and ``evaluate`` blocks)."""
    return type(decl) in ir.DECL_KIND


@record
class SymbolTable:
    """The file-level namespace: the first declaration of each name."""

    decls: Mapping[str, NamedDecl]

    @classmethod
    def build(cls, source_file: ir.SourceFile) -> SymbolTable:
        table: dict[str, NamedDecl] = {}
        for decl in source_file.decls:
            if is_named(decl):
                table.setdefault(decl.name.name, decl)
        return cls(MappingProxyType(table))

    def kind(self, name: str) -> str | None:
        """The kind word of ``name`` (``"signature"``, ``"lm"``, ...), or None if undeclared."""
        decl = self.decls.get(name)
        return ir.DECL_KIND[type(decl)] if decl is not None else None

    def lookup(self, name: str, cls: type[D]) -> D | None:
        """The declaration of ``name`` if it is a ``cls``; silent otherwise."""
        decl = self.decls.get(name)
        return decl if isinstance(decl, cls) else None

    def names_of(self, *classes: type) -> tuple[str, ...]:
        return tuple(name for name, decl in self.decls.items() if isinstance(decl, classes))


@record
class CheckContext:
    source_file: ir.SourceFile
    base_dir: Path
    sink: DiagnosticSink
    symbols: SymbolTable
    # What one check learned for the later ones, filled once per run: a data
    # file is read once, by the check that owns it (``datasets.learned``).
    memo: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def nodes(self) -> list[object]:
        """Every node of the file, depth first in source order, walked once for all the checks that read them all."""
        found = self.memo.get("nodes")
        if found is None:
            found = self.memo["nodes"] = list(ir.walk(self.source_file))
        assert isinstance(found, list)
        return found

    def nodes_of(self, cls: type[N]) -> list[N]:
        """The file's nodes of class ``cls`` (node classes have no subclasses), in source order: the
        nodes sorted by class once for all the checks that want one or two classes of them."""
        found = self.memo.get("nodes by class")
        if found is None:
            by_class: dict[type, list[object]] = {}
            for node in self.nodes():
                kind = type(node)
                if kind in by_class:
                    by_class[kind].append(node)
                else:
                    by_class[kind] = [node]
            found = self.memo["nodes by class"] = by_class
        assert isinstance(found, dict)
        return found.get(cls, [])  # type: ignore[no-any-return]

    def modules_of(self, program: ir.ProgramDecl) -> tuple[ir.ModuleDecl, ...]:
        """``program.modules`` (a walk of its body), found once for all the checks that read them."""
        memo = self.memo.setdefault("modules", {})
        assert isinstance(memo, dict)
        found = memo.get(id(program))  # the file's nodes live as long as this context: ids are not reused
        if found is None:
            found = memo[id(program)] = program.modules
        return found

    def report(self, entry: Entry, span: Span, /, *, help: Help | str | None = None, **fields: object) -> None:
        """Report ``entry`` at ``span``, its templates filled with ``fields``; ``help`` replaces its own."""
        self.sink.add(entry.at(span, help=help, **fields))

    def resolve(self, ident: ir.Ident, *classes: type[NamedDecl]) -> NamedDecl | None:
        """Resolve a reference to a declaration of one of ``classes``.

        Reports E102 (unknown name, with a suggestion among names of the
        expected kinds) or E106 (a name of another kind) and returns None.
        """
        wanted = " or ".join(a_kind(ir.DECL_KIND[c]) for c in classes)
        decl = self.symbols.decls.get(ident.name)
        if decl is None:
            what = ir.DECL_KIND[classes[0]] if len(classes) == 1 else "name"
            self._unknown(ident, what, wanted, self.symbols.names_of(*classes))
            return None
        if not isinstance(decl, classes):
            self._wrong_kind(ident, decl, wanted)
            return None
        return decl

    def resolve_type_name(self, ident: ir.Ident) -> ir.EnumDecl | ir.TypeDecl | str | None:
        """A type name: a scalar (returned as its word), an enum, or a record type."""
        name = ident.name
        if name in ir.BUILTIN_SCALARS:
            return name
        decl = self.symbols.decls.get(name)
        if decl is None:
            candidates = (*ir.BUILTIN_SCALARS, *self.symbols.names_of(ir.EnumDecl, ir.TypeDecl))
            self._unknown(ident, "type", "a type", candidates)
            return None
        if not isinstance(decl, (ir.EnumDecl, ir.TypeDecl)):
            self._wrong_kind(ident, decl, "a type")
            return None
        return decl

    def _unknown(self, ident: ir.Ident, what: str, wanted: str, candidates: tuple[str, ...]) -> None:
        """E102, suggesting the closest of ``candidates``, else listing them."""
        help = did_you_mean(ident.name, candidates) or (None if candidates else catalog.DECLARE_FIRST)
        self.report(
            catalog.UNKNOWN_NAME,
            ident.span,
            help=help,
            what=what,
            name=ident.name,
            wanted=wanted,
            candidates=candidates,
        )

    def _wrong_kind(self, ident: ir.Ident, decl: NamedDecl, wanted: str) -> None:
        """E106: a name of another kind than ``wanted``."""
        kind = ir.DECL_KIND[type(decl)]
        self.report(
            catalog.WRONG_KIND, ident.span, name=ident.name, a_kind=a_kind(kind), wanted=wanted, declared=decl.span
        )


def a_kind(kind: str) -> str:
    """``an lm``, ``a signature``: a kind word with its article."""
    return f"{article(kind)} {kind}"


def is_builtin_type(name: str) -> bool:
    return name in BUILTIN_TYPES
