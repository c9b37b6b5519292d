"""Opening a named optuna storage: a missing database driver, workers creating the tables at once.

The shared search itself on a real PostgreSQL server is
``tests/integration/test_postgres_study.py``.
"""

from __future__ import annotations

import optuna
import pytest
from sqlalchemy.exc import IntegrityError

from lmc.optimize import MIPROv2
from lmc.optimize.mipro import study as study_module
from lmc.optimize.mipro.study import StudyError
from tests.optimize.mipro_fakes import MANUAL, mipro_task


def test_a_storage_whose_driver_is_missing_is_a_study_error_naming_the_extra():
    # No MySQL driver is installed in lmc's environment.
    with pytest.raises(StudyError, match=r"needs a driver that is not installed .*lmc-compiler\[postgres\]"):
        MIPROv2(**MANUAL).compile(mipro_task(storage="mysql://lmc@127.0.0.1:1/lmc", study="s"))


def test_a_worker_that_loses_the_race_to_create_the_tables_opens_them_on_a_later_try(monkeypatch):
    made = []

    def racing(url, **kwargs):
        made.append(url)
        if len(made) == 1:  # what PostgreSQL answers the second worker's CREATE TYPE
            raise IntegrityError("CREATE TYPE studydirection", {}, Exception("duplicate key value"))
        return "storage"

    monkeypatch.setattr(optuna.storages, "RDBStorage", racing)
    monkeypatch.setattr(study_module, "POLL_SECONDS", 0.0)
    assert study_module._storage("postgresql://lmc@127.0.0.1/lmc") == "storage"
    assert len(made) == 2


def test_a_storage_that_keeps_failing_raises_after_the_last_try(monkeypatch):
    def broken(url, **kwargs):
        raise IntegrityError("CREATE TABLE studies", {}, Exception("something else"))

    monkeypatch.setattr(optuna.storages, "RDBStorage", broken)
    monkeypatch.setattr(study_module, "POLL_SECONDS", 0.0)
    with pytest.raises(study_module.StudyError, match="cannot hold the study: .*something else"):
        study_module._storage("postgresql://lmc@127.0.0.1/lmc")
