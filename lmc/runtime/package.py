"""What ``from <package> import <program>`` gives: a typed, configurable program.

``PackagedProgram[R]`` is one program of a package, named, not given: its
``Program`` (``<package>.programs``'s ``PROGRAMS[name]``), its baked-in
parameters (``<package>.params``'s ``PARAMS``), a pydantic model of its
inputs (validated before any LM call) and one of its result, ``R`` (classes
of ``<package>.results``) are imported at its first use, with the runtime
and the libraries they need. Importing a package loads this module and
``errors.py`` only, which import nothing the interpreter has not loaded at
start-up (not even ``typing``): an import costs little more than the
interpreter's start. It runs a program on a mapping of inputs (``invoke``,
``ainvoke``); the package's ``__init__.py`` subclasses it once per program
with a ``__call__`` and an ``acall`` whose keyword parameters are the
program's inputs, typed.

``PackageConfig`` holds the package's LM choice; it is the one piece
of mutable state an emitted package has, on purpose: users call
``configure(...)`` once at start-up. An LM is chosen at each call, from the
most specific source to the least:

1. ``lm=`` given to the call (a litellm model id, or a ``LanguageModel``:
   any object with ``complete``/``acomplete``);
2. ``configure(lm=...)``;
3. the environment variable ``<PACKAGE>_LM`` (a model id), read at the call;
4. the ``.lmp`` file's ``lm default`` (or the ``--lm`` of the build).

A model id other than the default keeps the default's sampling options but
not its endpoint (``api_base``, ``api_key_env``). A module with settings of
its own (``lm: strong``, ``temperature``...: its ``ModuleSpec.lm``) calls a
copy of the chosen LM with them (``LM.replace``), so it keeps its lm
whatever the default is; an LM object without ``replace`` answers for
every module. No answer is cached on disk
unless ``LMC_CACHE_DIR`` is set or ``configure(cache_dir=...)`` names a folder.

The command line (``python -m <package>``) is ``cli.py``; the parity test's
``ReplayLM`` is ``replay.py``.
"""

from __future__ import annotations

import os
from _thread import allocate_lock  # threading.Lock itself: importing threading costs ~3 ms

from .errors import ProgramError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~8 ms of a package's import)
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path
    from typing import Any, Generic, TypeGuard, TypeVar

    from pydantic import BaseModel

    from .lm.client import LM
    from .lm.protocol import LanguageModel
    from .program import Program, Run
    from .signature import Params

    # A program's result model. Covariant: a program gives results, it never takes one.
    R = TypeVar("R", bound=BaseModel, covariant=True)

    class _Generic(Generic[R]):
        """What ``PackagedProgram[R]`` is to the type checker."""

else:

    class _Generic:
        """At run time ``PackagedProgram[X]`` is the class itself: a generic without ``typing``."""

        def __class_getitem__(cls, item: object) -> type:
            return cls


__all__ = ["PackageConfig", "PackagedProgram", "env_var_for", "field_of"]

CACHE_ENV = "LMC_CACHE_DIR"
# Options that point at one endpoint: they do not carry over to another model.
ENDPOINT_OPTIONS = ("api_base", "api_key_env")


def env_var_for(package: str) -> str:
    """``sentiment`` -> ``SENTIMENT_LM``: the variable that names a package's model."""
    return "".join(c if c.isalnum() else "_" for c in package).upper() + "_LM"


def field_of(value: Any, name: str) -> Any:
    """``value.name`` as a ``.lmp`` program means it, for names Python cannot use as written.

    A record field named ``json`` or ``_private`` lives on its pydantic model
    under a safe name with the ``.lmp`` name as its alias; a prediction is a
    mapping. Generated code calls this only for such names.
    """
    from collections.abc import Mapping

    from .types import is_model

    if is_model(value):
        for py_name, info in type(value).model_fields.items():
            if (info.alias or py_name) == name:
                return getattr(value, py_name)
    if isinstance(value, Mapping) and name in value:
        return value[name]
    return getattr(value, name)


def _is_lm(value: object) -> TypeGuard[LanguageModel]:
    """An LM object, as a call or ``configure`` accepts one: it has ``complete`` and ``acomplete``."""
    return callable(getattr(value, "complete", None)) and callable(getattr(value, "acomplete", None))


class _Settings:
    """What ``configure`` was given: a model id, an LM object or None; LM options; a cache folder."""

    __slots__ = ("cache_dir", "lm", "options")

    def __init__(
        self,
        lm: str | LanguageModel | None = None,
        options: Mapping[str, Any] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.lm = lm
        self.options: Mapping[str, Any] = options or {}
        self.cache_dir = cache_dir


class PackageConfig:
    """The LM settings of one emitted package (see the module docstring for the order)."""

    def __init__(self, *, package: str, default_model: str, default_options: Mapping[str, Any] | None = None) -> None:
        self.package = package
        self.env_var = env_var_for(package)
        self.default_model = default_model
        self.default_options = dict(default_options or {})
        self._settings = _Settings()
        self._lock = allocate_lock()
        self._lms: dict[str, LM] = {}

    def configure(
        self,
        lm: str | LanguageModel | None = None,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        **lm_options: Any,
    ) -> None:
        """Set the package's LM: a model id with litellm options, or an LM object.

        Each call replaces the previous configuration; ``configure()`` restores
        the defaults. Options are checked now, not at the first call.
        """
        if lm is not None and not isinstance(lm, str) and not _is_lm(lm):
            raise TypeError(f"lm must be a model id or an object with complete/acomplete, not {type(lm).__name__}")
        if _is_lm(lm) and lm_options:
            raise TypeError("LM options apply to a model id; this lm is already an LM object")
        settings = _Settings(lm, dict(lm_options), _path(cache_dir) if cache_dir is not None else None)
        if not _is_lm(lm):
            self._build(lm if isinstance(lm, str) else self.default_model, dict(lm_options), None)
        self._settings = settings

    def lm(self, override: str | LanguageModel | None = None, **options: Any) -> LanguageModel:
        """The LM a call uses; ``override`` and ``options`` come from the call itself."""
        if override is not None and _is_lm(override):
            if options:
                raise TypeError("LM options apply to a model id; this lm is already an LM object")
            return override
        if override is not None and not isinstance(override, str):
            raise TypeError(
                f"lm must be a model id or an object with complete/acomplete, not {type(override).__name__}"
            )
        settings = self._settings
        if override is None and _is_lm(settings.lm):
            if options:
                raise TypeError("LM options apply to a model id; the configured lm is an LM object")
            return settings.lm
        configured = settings.lm if isinstance(settings.lm, str) else None
        model = override or configured or os.environ.get(self.env_var) or self.default_model
        merged = {**settings.options, **options}
        env_cache = os.environ.get(CACHE_ENV)
        cache_dir = settings.cache_dir or (_path(env_cache) if env_cache else None)
        return self._build(model, merged, cache_dir)

    def _build(self, model: str, options: Mapping[str, Any], cache_dir: Path | None) -> LM:
        import json

        base = dict(self.default_options)
        if model != self.default_model:
            for key in ENDPOINT_OPTIONS:
                base.pop(key, None)
        merged = {**base, **options}
        use_cache = merged.pop("cache", True)
        key = json.dumps(
            [model, merged, str(cache_dir) if cache_dir and use_cache else None], sort_keys=True, default=repr
        )
        with self._lock:
            built = self._lms.get(key)
            if built is None:
                from .lm.client import LM  # the LM client, its HTTP path and litellm's set-up: at the first call

                cache = None
                if cache_dir is not None and use_cache:
                    from .lm.cache import Cache  # sqlite3: only with a cache

                    cache = Cache(cache_dir)
                built = self._lms[key] = LM(model, cache=cache, **merged)
            return built

    def __repr__(self) -> str:
        return f"PackageConfig(package={self.package!r}, default_model={self.default_model!r})"


def _path(value: str | os.PathLike[str]) -> Path:
    from pathlib import Path  # pathlib costs ~8 ms of an import: only a cache folder needs it

    return Path(value)


class _Loaded:
    """A program's parts, imported at its first use: the program, its parameters, its input and result models."""

    __slots__ = ("input_names", "input_type", "params", "program", "required", "result_type")

    def __init__(self, name: str, package: str, result: str, inputs: str) -> None:
        from importlib import import_module
        from types import MappingProxyType

        models = import_module(f"{package}.results")
        self.result_type: type[Any] = getattr(models, result)
        self.input_type: type[BaseModel] = getattr(models, inputs)
        fields = self.input_type.model_fields
        # Python attribute name -> the .lmp input name (they differ if renamed).
        self.input_names: Mapping[str, str] = {py: (info.alias or py) for py, info in fields.items()}
        # The .lmp names of the inputs without a default.
        self.required = tuple(self.input_names[py] for py, info in fields.items() if info.is_required())
        self.program: Program = import_module(f"{package}.programs").PROGRAMS[name]
        self.params: Mapping[str, Params] = MappingProxyType(dict(import_module(f"{package}.params").PARAMS))


class PackagedProgram(_Generic["R"]):
    """One program of the package: ``invoke(inputs)`` returns its result, an ``R``.

    ``name`` is the program's ``.lmp`` name, ``package`` the package's module
    name (``__name__`` in its ``__init__.py``), ``result`` and ``inputs`` the
    names of its models in ``<package>.results``. The program, its parameters
    and its models are imported at the first call (or the first look at
    ``program``, ``params``, ``result_type``, ``input_type`` or
    ``input_names``). The package calls a subclass with the program's inputs
    as typed keyword parameters (``classify(sentence="...")``); the mapping
    form takes any input name.
    """

    def __init__(self, name: str, config: PackageConfig, *, package: str, result: str, inputs: str) -> None:
        self._name = name
        self.config = config
        self._where = (package, result, inputs)
        self._loaded: _Loaded | None = None

    def _load(self) -> _Loaded:
        """The program's parts, imported on the first call of this.

        Threads that call at once may each import them: the interpreter's
        imports are thread-safe and give each thread the same modules, and
        the parts are stored in one assignment, once all are there. An import
        that fails (a user's tool module that raises) stores nothing, so each
        call raises its error until it succeeds.
        """
        loaded = self._loaded
        if loaded is None:
            loaded = self._loaded = _Loaded(self._name, *self._where)
        return loaded

    @property
    def result_type(self) -> type[R]:
        return self._load().result_type

    @property
    def input_type(self) -> type[BaseModel]:
        return self._load().input_type

    @property
    def name(self) -> str:
        return self._name

    @property
    def program(self) -> Program:
        return self._load().program

    @property
    def params(self) -> Mapping[str, Params]:
        return self._load().params

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self._load().input_names.values())

    def invoke(self, inputs: Mapping[str, Any], *, lm: str | LanguageModel | None = None) -> R:
        """Run once with the inputs as a mapping (works for any input name).

        ``lm`` picks the LM for this call (``lm`` is a keyword in ``.lmp``, never an input).
        """
        values = self.validate_inputs(inputs)
        loaded = self._load()
        run = loaded.program.run(values, lm=self.config.lm(lm), params=loaded.params)
        return self._result(run)

    async def ainvoke(self, inputs: Mapping[str, Any], *, lm: str | LanguageModel | None = None) -> R:
        values = self.validate_inputs(inputs)
        loaded = self._load()
        run = await loaded.program.arun(values, lm=self.config.lm(lm), params=loaded.params)
        return self._result(run)

    def validate_inputs(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs checked against the program's types, keyed by their ``.lmp`` names.

        Unknown or missing names raise ``TypeError``; a value of the wrong type
        raises pydantic's ``ValidationError`` (a ``ValueError``). Enums become
        their members and records their models, as the program body expects.
        """
        loaded = self._load()
        known = set(loaded.input_names.values())
        unknown = [k for k in inputs if k not in known]
        if unknown:
            raise TypeError(
                f"{self.name}() got unexpected input(s) {_names(unknown)}; its inputs are {_names(known) or 'none'}"
            )
        missing = [k for k in loaded.required if k not in inputs]
        if missing:
            raise TypeError(f"{self.name}() is missing the input(s) {_names(missing)}")
        model = loaded.input_type.model_validate(dict(inputs))
        return {name: getattr(model, py) for py, name in loaded.input_names.items()}

    def _result(self, run: Run) -> R:
        from pydantic import ValidationError

        try:
            return self.result_type.model_validate(run.outputs)
        except ValidationError as exc:
            raise ProgramError(
                f"program `{self.name}` produced outputs that do not fit its result type:\n{exc}"
            ) from exc

    def __repr__(self) -> str:
        ins = ", ".join(self.input_names)
        return f"<program {self.name}({ins}) -> {self.result_type.__name__}>"


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in sorted(names))
