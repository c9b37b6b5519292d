"""A module the samples refer to, whose import of a package that is not installed fails."""

import no_such_dependency_of_lmc_samples


def grade(example, pred):
    return no_such_dependency_of_lmc_samples.same(example.answer, pred.answer)
