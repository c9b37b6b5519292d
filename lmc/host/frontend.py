"""Read, parse and check one ``.lmp`` file: everything before any LM call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..diagnostics import catalog
from ..diagnostics.core import Diagnostic, Severity, Span
from ..ir import nodes as ir
from ..records import record


@record
class Loaded:
    path: str  # as given by the user: diagnostics print it
    text: str | None
    source: ir.SourceFile | None
    diagnostics: tuple[Diagnostic, ...]
    folder: Path | None = None  # where the file's relative paths point; None: the file's own folder

    @property
    def base_dir(self) -> Path:
        return self.folder if self.folder is not None else Path(self.path).resolve().parent

    @property
    def ok(self) -> bool:
        return self.source is not None and not any(d.severity is Severity.ERROR for d in self.diagnostics)


def load_file(path: str) -> Loaded:
    """Parse and check ``path``; never raises for bad input."""
    try:
        raw = read_regular(Path(path))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return Loaded(path, None, None, (catalog.CANNOT_READ.at(Span(path, 1, 1, 1, 1), path=path, reason=reason),))
    return load_bytes(raw, path, Path(path).resolve().parent)


NOT_REGULAR = "not a regular file (a folder, a FIFO or a device)"
MAX_NESTING = 200  # levels of IR nodes a file may nest (E012)


def _too_deep(source: ir.SourceFile, survey: ir.Survey) -> Diagnostic | None:
    if survey.levels <= MAX_NESTING:
        return None
    span = getattr(survey.deepest, "span", source.span)
    return catalog.NESTED_TOO_DEEPLY.at(span, levels=survey.levels, limit=MAX_NESTING)


def read_regular(path: Path) -> bytes:
    """The file's bytes; ``OSError`` for anything but a regular file (reading a FIFO or /dev/zero never ends)."""
    if path.exists() and not path.is_file():
        raise OSError(0, NOT_REGULAR)
    return path.read_bytes()


def load_bytes(raw: bytes, path: str, folder: Path, prepare: Callable[[ir.SourceFile], None] | None = None) -> Loaded:
    """Decode, parse and check a file's bytes; its relative paths point into ``folder``.

    ``prepare`` sees the parsed file before the checks run (the API writes the
    rows a caller gives for its datasets there). Never raises for bad input.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        diag = catalog.NOT_UTF8.at(Span(path, line, col, line, col + 1), byte=raw[exc.start])
        return Loaded(path, None, None, (diag,), folder)
    return load_text(text, path, folder, prepare)


def load_text(text: str, path: str, folder: Path, prepare: Callable[[ir.SourceFile], None] | None = None) -> Loaded:
    """Parse and check ``text`` (shown as ``path``); see ``load_bytes``."""
    from ..checks import run_checks
    from ..syntax.parse import parse

    source, syntax = parse(text, path)
    diagnostics = list(syntax)
    if source is not None:
        survey = ir.survey(source)  # one walk: the depth guard's, and the nodes the checks read
        too_deep = _too_deep(source, survey)
        if too_deep is not None:
            diagnostics.append(too_deep)  # the checks and codegen walk it recursively: stop here
        else:
            if prepare is not None:
                prepare(source)  # it may replace datasets' rows, not nodes: the walk still holds
            diagnostics.extend(run_checks(source, folder, nodes=survey.nodes))
    diagnostics.sort(key=lambda d: (d.span.sort_key(), d.code))
    return Loaded(path, text, source, tuple(diagnostics), folder)
