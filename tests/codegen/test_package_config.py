"""How an emitted package picks its LM: call, configure(), environment, default."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmc.runtime.lm.client import LM
from lmc.runtime.package import PackageConfig, env_var_for
from tests.scripted import ScriptedLM

DEFAULTS = {"temperature": 0.0, "max_tokens": 64, "api_base": "http://127.0.0.1:9/v1", "api_key_env": "MY_KEY"}


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> PackageConfig:
    monkeypatch.delenv("SENTIMENT_LM", raising=False)
    monkeypatch.delenv("LMC_CACHE_DIR", raising=False)
    return PackageConfig(package="sentiment", default_model="openai/base", default_options=DEFAULTS)


def test_env_var_name() -> None:
    assert env_var_for("sentiment") == "SENTIMENT_LM"
    assert env_var_for("my_pkg2") == "MY_PKG2_LM"


def test_default_model_keeps_every_option(config: PackageConfig) -> None:
    lm = config.lm()
    assert isinstance(lm, LM)
    assert (lm.model, lm.temperature, lm.max_tokens, lm.api_base, lm.api_key_env) == (
        "openai/base",
        0.0,
        64,
        "http://127.0.0.1:9/v1",
        "MY_KEY",
    )
    assert lm.cache is None
    assert config.lm() is lm  # built once per setting


def test_precedence_call_then_configure_then_env(config: PackageConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMENT_LM", "openai/from-env")
    from_env = config.lm()
    assert from_env.model == "openai/from-env"
    assert from_env.temperature == 0.0 and from_env.api_base is None and from_env.api_key_env is None
    config.configure(lm="openai/configured", temperature=0.5)
    assert (config.lm().model, config.lm().temperature) == ("openai/configured", 0.5)
    assert config.lm("openai/per-call").model == "openai/per-call"
    config.configure()
    assert config.lm().model == "openai/from-env"


def test_lm_objects_pass_through(config: PackageConfig) -> None:
    scripted = ScriptedLM(["x"])
    assert config.lm(scripted) is scripted
    config.configure(lm=scripted)
    assert config.lm() is scripted
    assert config.lm("openai/other").model == "openai/other"
    with pytest.raises(TypeError, match="LM object"):
        config.configure(lm=scripted, temperature=1.0)
    with pytest.raises(TypeError):
        config.configure(temprature=1.0)
    with pytest.raises(TypeError):
        config.lm(42)


def test_disk_cache_only_when_asked(config: PackageConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert config.lm().cache is None
    monkeypatch.setenv("LMC_CACHE_DIR", str(tmp_path / "env-cache"))
    assert config.lm().cache.directory == tmp_path / "env-cache"
    config.configure(cache_dir=tmp_path / "configured")
    assert config.lm().cache.directory == tmp_path / "configured"
    off = PackageConfig(package="p", default_model="openai/base", default_options={"cache": False})
    assert off.lm().cache is None
