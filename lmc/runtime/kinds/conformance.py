"""Each module kind loaded at first use, held to ``modules.ModuleKind`` by the type checker.

Nothing imports this module (a package never ships it): ``modules.py`` finds
the kinds by name at run time, and this file is where mypy sees them all
against the protocol, so the check needs no import from ``modules.py`` back
to the kinds built on it.
"""

from __future__ import annotations

from ..modules import ModuleKind
from .best_of_n import BestOfN
from .compare import MultiChainComparison
from .pot import ProgramOfThought
from .react import ReAct
from .refine import Refine

LAZY_KINDS: tuple[ModuleKind, ...] = (ProgramOfThought, ReAct, MultiChainComparison, BestOfN, Refine)
