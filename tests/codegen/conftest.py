"""Fixtures shared by the codegen tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmc.codegen import write_package
from tests.codegen.test_render import SAMPLES, _render_sample


@pytest.fixture(scope="session")
def sample_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every sample's package (its golden package, with its vendored runtime) on disk, each in a folder alone."""
    out = {}
    for sample in SAMPLES:
        root = tmp_path_factory.mktemp("package") / sample.stem
        write_package(_render_sample(sample), root)
        out[sample.stem] = root
    return out
