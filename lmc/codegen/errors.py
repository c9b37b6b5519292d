"""The one exception codegen raises."""

from __future__ import annotations


class CodegenError(Exception):
    """The IR cannot be rendered (a bug in lmc, or input the checks should have rejected).

    Checks run before codegen, so a user never sees this for a file that
    passed ``lmc check``; the message still names the offending declaration.
    """
