"""The reward of the attempts sample: a capital's name is short.

A reward scores one attempt while the program runs, from the module's inputs
and its prediction (there is no gold answer then): ``fn(inputs, prediction)
-> float``. This one prefers answers of one to three words on one line, the
shape of a city's name, over sentences about it.
"""

from __future__ import annotations


def brief(inputs: dict, prediction: dict) -> float:
    """1.0 for one to three words on one line; less the longer the answer."""
    text = str(prediction["capital"]).strip()
    words = len(text.split())
    if not words or "\n" in text:
        return 0.0
    return 1.0 if words <= 3 else 3 / words
