"""Programs that call each other in a cycle (E307): found in linear time, whatever the number of programs.

``programs.py`` collects each program's calls of other programs and hands them here.
"""

from __future__ import annotations

from ..diagnostics import catalog
from ..ir import nodes as ir
from .context import CheckContext


def report_recursion(ctx: CheckContext, calls: dict[str, list[ir.Ident]]) -> None:
    """E307 once per cycle of program calls, at the call that closes it in the earliest program.

    Only programs of a cyclic strongly connected component are searched, so a
    long chain of programs calling each other costs linear time.
    """
    cyclic = _in_cycles(calls)
    reported: set[frozenset[str]] = set()
    for start in calls:
        if start not in cyclic:
            continue
        cycle = _find_cycle(start, calls)
        if cycle is None:
            continue
        members = frozenset(ident.name for ident in cycle)
        if members in reported:
            continue
        reported.add(members)
        chain = [start, *(ident.name for ident in cycle)]
        ctx.report(catalog.RECURSION, cycle[0].span, program=start, chain=chain)


def _find_cycle(start: str, calls: dict[str, list[ir.Ident]]) -> list[ir.Ident] | None:
    """The call sites of a path from ``start`` back to ``start``, if there is one (depth first, each
    program's path kept as a link to the call that reached it first)."""
    stack = [start]
    reached: dict[str, tuple[str, ir.Ident]] = {}
    while stack:
        name = stack.pop()
        for call in calls.get(name, ()):
            if call.name == start:
                path = [call]
                while name != start:
                    name, via = reached[name]
                    path.append(via)
                return path[::-1]
            if call.name not in reached and call.name != start and call.name in calls:
                reached[call.name] = (name, call)
                stack.append(call.name)
    return None


def _in_cycles(calls: dict[str, list[ir.Ident]]) -> set[str]:
    """The programs on some cycle of calls: Tarjan's strongly connected components, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: set[str] = set()
    for root in calls:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            name, i = work.pop()
            if i == 0:
                index[name] = low[name] = len(index)
                stack.append(name)
                on_stack.add(name)
            targets = [c.name for c in calls.get(name, ()) if c.name in calls]
            if i < len(targets):
                work.append((name, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[name] = min(low[name], index[target])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[name])
            if low[name] == index[name]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == name:
                        break
                if len(component) > 1 or name in targets:
                    found.update(component)
    return found
