"""The errors of a shared MIPROv2 study, apart from ``study.py`` so that catching them imports no optuna."""


class StudyError(Exception):
    """A shared study this search cannot use (other candidates, a half-written plan, a storage that fails)."""
