"""Module kinds built from several LM calls or from code: ProgramOfThought (and its sandbox), ReAct, MultiChainComparison, BestOfN, Refine."""
