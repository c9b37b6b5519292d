"""The runtime's exceptions, kept apart so callers can catch them without importing the rest.

Two families matter to callers: ``ProgramError`` (this program could not produce
its outputs for this input: a parse failure counts as a failed example) and
``LMError`` (the LM could not be reached or refused the request: an
infrastructure problem that no optimizer should score as a wrong answer).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing: a package imports this module
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

__all__ = ["AdapterParseError", "LMError", "ParseError", "ProgramError", "SandboxWarning", "ToolError"]

# How much of one raw LM answer a message quotes; the full text stays on the exception.
_QUOTE_LIMIT = 2000


class ProgramError(Exception):
    """A program could not produce its outputs (parse failure, bad value, ...)."""


class ToolError(ProgramError):
    """A tool called by a program body raised: the run cannot go on (``__cause__`` is the tool's exception)."""


class AdapterParseError(ValueError):
    """One adapter could not read the output fields out of one LM answer."""

    def __init__(
        self,
        *,
        adapter: str,
        text: str,
        expected: Sequence[str],
        parsed: Mapping[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        self.adapter = adapter
        self.text = text
        self.expected = tuple(expected)
        self.parsed = dict(parsed or {})
        self.missing = tuple(name for name in self.expected if name not in self.parsed)
        self.reason = reason
        super().__init__(self.summary())

    def __reduce__(self) -> tuple[Any, ...]:  # pickle by fields: errors cross process pools
        from functools import partial

        rebuild = partial(
            type(self),
            adapter=self.adapter,
            text=self.text,
            expected=self.expected,
            parsed=self.parsed,
            reason=self.reason,
        )
        return (rebuild, ())

    def summary(self) -> str:
        if self.reason:
            return f"{self.adapter}: {self.reason}"
        missing = ", ".join(f"`{name}`" for name in self.missing)
        return f"{self.adapter}: the answer lacks the output field(s) {missing}"


class ParseError(ProgramError):
    """A module's LM answers could not be parsed, with every adapter tried.

    ``raw`` holds each raw LM text in the order the adapters were tried
    (chat first, then JSON), so a user can see exactly what the model said.
    """

    def __init__(self, path: str, failures: Sequence[AdapterParseError]) -> None:
        self.path = path
        self.failures = tuple(failures)
        self.raw = tuple(f.text for f in self.failures)
        lines = [f"module `{path}` could not parse the LM's answer ({len(self.failures)} attempt(s)):"]
        for failure in self.failures:
            lines.append(f"- {failure.summary()}")
        for failure in self.failures:
            lines.append(f"--- raw answer read by {failure.adapter} ---")
            lines.append(_quote(failure.text))
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.failures))


class LMError(RuntimeError):
    """The LM call itself failed: bad model id, auth, or retries exhausted on a transient error."""

    def __init__(self, model: str, message: str, *, attempts: int = 1) -> None:
        self.model = model
        self.attempts = attempts
        self.detail = message
        super().__init__(f"LM `{model}`: {message}")

    def __reduce__(self) -> tuple[Any, ...]:
        from functools import partial

        return (partial(type(self), attempts=self.attempts), (self.model, self.detail))


class SandboxWarning(UserWarning):
    """Generated code runs without the operating system's boundary, in the audit-hook sandbox only
    (``kinds/sandbox.py``; defined here, so that the CLI can tell it apart without importing the sandbox)."""


def _quote(text: str) -> str:
    if len(text) <= _QUOTE_LIMIT:
        return text
    return f"{text[:_QUOTE_LIMIT]}\n[... {len(text) - _QUOTE_LIMIT} more characters]"
