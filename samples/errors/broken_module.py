"""A module the samples refer to, with a syntax error on line 4."""


def grade(example, pred)
    return example.answer == pred.answer
