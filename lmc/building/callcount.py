"""How many LM requests one run of a program makes, counted from the IR without running it.

Each module call costs what its kind asks of the LM (one request for
``Predict`` and ``ChainOfThought``); a call of another program costs that
program's count; tools, retrievers and built-ins cost nothing. ``repeat N``
multiplies its body by ``N``, a ``for`` over a list written in the source by
the list's length. Where the source does not fix the count the result says so:

- ``upper_bound``: a branch may be skipped (``if``/``else`` takes the dearer
  side, the right side of ``and``/``or`` may not run) or a module kind may
  stop early (``ReAct``, ``BestOfN``, ``Refine``, ``ProgramOfThought``);
- ``unknown_loops``: loops whose length is only known at run time (``for``
  over a value, ``repeat`` over a name), counted as one pass each.

Scoring a run with a ``judge`` metric costs one more request
(:func:`metric_calls`); other metrics call no LM. So does each attempt of a
``BestOfN`` or ``Refine`` whose ``reward`` is a judge.

A reply that the chat adapter cannot read costs one more request (the JSON
adapter's retry); the count leaves those out. A module whose file fixes the
``two_step`` adapter makes two requests per call (the answer, then its
extraction); so may one whose adapter an optimizer's ``adapters:`` may
choose among ``two_step`` and others (``run_calls(..., searched=...)``): the
count is then an upper bound.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..ir import nodes as ir
from ..ir.values import options_dict
from ..records import record


@record
class RunCalls:
    """LM requests of one program run, and how far the count can be trusted."""

    calls: int = 0
    upper_bound: bool = False
    unknown_loops: tuple[str, ...] = ()

    def __add__(self, other: RunCalls) -> RunCalls:
        return RunCalls(
            self.calls + other.calls, self.upper_bound or other.upper_bound, self.unknown_loops + other.unknown_loops
        )

    def times(self, n: int) -> RunCalls:
        return RunCalls(self.calls * n, self.upper_bound, self.unknown_loops)

    @property
    def exact(self) -> bool:
        return not self.upper_bound and not self.unknown_loops

    def describe(self) -> str:
        """``1 LM call``, ``at most 3 LM calls``, ``about 2 LM calls (`for` loops counted once: ...)``."""
        text = f"{self.calls} LM call{'s' if self.calls != 1 else ''}"
        if self.unknown_loops:
            return f"about {text} (loops of unknown length counted once: {', '.join(self.unknown_loops)})"
        return f"at most {text}" if self.upper_bound else text


def module_calls(kind: str, options: Mapping[str, object]) -> RunCalls:
    """LM requests of one call of a module of ``kind`` (DSPy's behaviour for each kind); with the
    ``two_step`` adapter each request is followed by its extraction, a second one."""
    calls = _kind_calls(kind, options)
    return calls.times(2) if options.get("adapter") == "two_step" else calls


def _kind_calls(kind: str, options: Mapping[str, object]) -> RunCalls:
    if kind in ("Predict", "ChainOfThought"):
        return RunCalls(1)
    if kind == "MultiChainComparison":  # m attempts, then the comparison
        return RunCalls(_int(options, "m", 3) + 1)
    if kind == "ReAct":  # one request per step, then one to extract the outputs
        return RunCalls(_int(options, "max_iters", 20) + 1, upper_bound=True)
    if kind == "ProgramOfThought":  # code, up to max_iters - 1 regenerations, then the answer
        return RunCalls(_int(options, "max_iters", 3) + 1, upper_bound=True)
    if kind == "BestOfN":  # stops at the first attempt that reaches the threshold
        return RunCalls(_int(options, "n", 1), upper_bound=True)
    if kind == "Refine":  # each failed attempt but the last also asks for feedback
        return RunCalls(2 * _int(options, "n", 1) - 1, upper_bound=True)
    return RunCalls(1, upper_bound=True)


def _int(options: Mapping[str, object], key: str, default: int) -> int:
    value = options.get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def run_calls(source: ir.SourceFile, program: str, searched: frozenset[str] = frozenset()) -> RunCalls:
    """The LM requests one run of ``program`` makes (a checked file: names resolve).

    ``searched``: the adapters an optimizer may choose for the modules whose file fixes none.
    """
    programs = {p.name.name: p for p in source.of(ir.ProgramDecl)}
    judges = frozenset(m.name.name for m in source.of(ir.MetricDecl) if _is_judge(m.expr))
    return _Counter(programs, judges, searched).program(program, ())


def metric_calls(source: ir.SourceFile, metric: str) -> RunCalls:
    """The LM requests of scoring one run with ``metric``: one for a ``judge``, none for the others."""
    for decl in source.of(ir.MetricDecl):
        if decl.name.name == metric:
            return RunCalls(1) if _is_judge(decl.expr) else RunCalls()
    return RunCalls()


def _is_judge(expr: ir.MetricExpr) -> bool:
    return isinstance(expr, ir.BuiltinMetric) and expr.func.name == "judge"


class _Counter:
    def __init__(
        self, programs: Mapping[str, ir.ProgramDecl], judges: frozenset[str], searched: frozenset[str]
    ) -> None:
        self.programs = programs
        self.judges = judges  # the metrics that ask an LM
        self.searched = searched  # the adapters an optimizer may choose for a module whose file fixes none

    def program(self, name: str, stack: tuple[str, ...]) -> RunCalls:
        decl = self.programs[name]
        if name in stack:  # the checks reject recursion; never loop here
            return RunCalls(upper_bound=True)
        modules = {m.name.name: m for m in decl.modules}
        return _Body(self, modules, (*stack, name)).block(decl.body)


class _Body:
    """Counts the statements of one program body.

    Loops and branches shape the count; every other statement or expression
    costs what the expressions directly under it cost (``ir.iter_children``),
    plus, for a call, the call itself.
    """

    def __init__(self, counter: _Counter, modules: Mapping[str, ir.ModuleDecl], stack: tuple[str, ...]) -> None:
        self.counter = counter
        self.modules = modules
        self.stack = stack

    def block(self, stmts: tuple[ir.Stmt, ...]) -> RunCalls:
        total = RunCalls()
        for stmt in stmts:
            total = total + self.stmt(stmt)
            if isinstance(stmt, ir.Return):
                break
        return total

    def stmt(self, stmt: ir.Stmt) -> RunCalls:
        if isinstance(stmt, ir.Repeat):
            body = self.expr(stmt.count) + self.block(stmt.body)
            if isinstance(stmt.count, ir.Const) and isinstance(stmt.count.value, int):
                return body.times(max(0, stmt.count.value))
            return body + RunCalls(unknown_loops=(f"repeat at line {stmt.span.line}",))
        if isinstance(stmt, ir.For):
            head = self.expr(stmt.iterable)
            body = self.block(stmt.body)
            if isinstance(stmt.iterable, ir.ListExpr):
                return head + body.times(len(stmt.iterable.items))
            return head + body + RunCalls(unknown_loops=(f"for {stmt.var.name} at line {stmt.span.line}",))
        if isinstance(stmt, ir.If):
            then, orelse = self.block(stmt.then), self.block(stmt.orelse)
            dearer = then if then.calls >= orelse.calls else orelse
            differ = then.calls != orelse.calls
            branch = RunCalls(dearer.calls, dearer.upper_bound or differ, then.unknown_loops + orelse.unknown_loops)
            return self.expr(stmt.cond) + branch
        return self.operands(stmt)  # an assignment, a return, an expression; a module declaration has none

    def expr(self, expr: ir.Expr) -> RunCalls:
        if isinstance(expr, ir.BinOp) and expr.op in ("and", "or"):
            left, right = self.expr(expr.left), self.expr(expr.right)
            if right.calls:  # the right side may not run
                right = RunCalls(right.calls, True, right.unknown_loops)
            return left + right
        inner = self.operands(expr)
        if isinstance(expr, ir.Call):
            return inner + self.call(expr)
        return inner

    def operands(self, node: ir.Stmt | ir.Expr) -> RunCalls:
        """What the expressions directly under ``node`` cost, in source order (a keyword argument's value too)."""
        total = RunCalls()
        for child in ir.iter_children(node):
            if isinstance(child, ir.KwArg):
                child = child.value
            if isinstance(child, ir.Expr):
                total = total + self.expr(child)
        return total

    def call(self, call: ir.Call) -> RunCalls:
        """One call itself, its arguments apart: a module's requests, another program's run, or nothing."""
        name = call.func.name
        if name in self.modules:
            module = self.modules[name]
            options = options_dict(module.options)
            calls = module_calls(module.kind.name, options)
            if "adapter" not in options and "two_step" in self.counter.searched:  # it may be chosen: count it
                calls = module_calls(module.kind.name, {**options, "adapter": "two_step"})
                calls = RunCalls(calls.calls, True, calls.unknown_loops)
            return calls + self.judged(module.kind.name, options)
        if name in self.counter.programs:
            return self.counter.program(name, self.stack)
        return RunCalls()

    def judged(self, kind: str, options: Mapping[str, object]) -> RunCalls:
        """The judge's requests of one call of a module whose reward is a judge: one per attempt."""
        if kind in ("BestOfN", "Refine") and options.get("reward") in self.counter.judges:
            return RunCalls(_int(options, "n", 1), upper_bound=True)
        return RunCalls()
