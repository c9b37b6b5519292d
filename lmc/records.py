"""Frozen records: the classes of ``@dataclass(frozen=True, slots=True)``, made for a fraction of the cost.

``dataclass`` compiles five or six functions for each frozen class as its module is imported
(``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``): about
0.3 ms a class, a quarter of what ``lmc check`` spends importing, and more for a build. A ``record``
is a dataclass all the same (``fields``, ``replace``, ``asdict`` and ``astuple`` read it), except
that it compiles nothing when it is made:

* equality, hash, repr, the refusal to change a field, copy and pickle are functions shared by
  every record, which read the class's fields (as ``dataclass`` writes them: equality and hash over
  the fields that ``compare``, repr over those that ``repr``);
* ``__init__`` is compiled the first time the class makes an instance (a class never made costs
  nothing), with ``dataclass``'s signature, defaults, default factories and ``__post_init__``; it
  sets each field through its slot's own setter, about twice as fast as the ``object.__setattr__``
  that ``dataclass`` calls for a frozen class.

A method the class writes itself is kept, as ``dataclass`` keeps it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # type checkers only: nothing to do when the program runs

    def dataclass_transform(**_: Any) -> Any:
        return lambda decorator: decorator


__all__ = ["record", "tuple_of"]

_C = TypeVar("_C", bound=type)


@overload
def record(cls: _C, /) -> _C: ...
@overload
def record(*, kw_only: bool = False) -> Callable[[_C], _C]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: Any = None, /, *, kw_only: bool = False) -> Any:
    """``@dataclass(frozen=True, slots=True)`` (with ``kw_only``), made as the module docstring says."""

    def make(cls: type) -> type:
        return _record(cls, kw_only=kw_only)

    return make if cls is None else make(cls)


def _record(cls: type, *, kw_only: bool) -> type:
    own = {name for name in ("__init__", "__repr__", "__eq__", "__hash__") if name in cls.__dict__}
    if cls.__dict__.get("__hash__", ...) is None and "__eq__" in cls.__dict__:
        own.discard("__hash__")  # Python's None for a class that writes __eq__: dataclass hashes it all the same
    for name in ("__setattr__", "__delattr__"):
        if name in cls.__dict__:
            raise TypeError(f"{cls.__qualname__}: a record is frozen; it cannot define {name}")
    if cls.__doc__ is None:  # ``dataclass`` would write one from ``inspect.signature``: half its cost
        cls.__doc__ = f"{cls.__name__}({', '.join(cls.__dict__.get('__annotations__', ()))})"
    made: Any = dataclass(cls, init=False, repr=False, eq=False, slots=True, kw_only=kw_only)
    found = fields(made)
    _check_order(made, found)
    compared = [f.name for f in found if (f.compare if f.hash is None else f.hash)]
    made._record_compared = tuple_of(compared)
    made._record_shown = tuple(f.name for f in found if f.repr)
    if "__init__" not in own:
        made.__init__ = _first_init(made)
    if "__repr__" not in own:
        made.__repr__ = _repr
    if "__eq__" not in own:
        made.__eq__ = _eq
    if "__hash__" not in own:
        made.__hash__ = _hash
    made.__setattr__ = _refuse_set
    made.__delattr__ = _refuse_delete
    made.__getstate__ = _getstate
    made.__setstate__ = _setstate
    return made  # type: ignore[no-any-return]


def _check_order(cls: type, found: tuple[Field[Any], ...]) -> None:
    """``dataclass``'s own check, which its compiled ``__init__`` would make at once."""
    seen_default = None
    for f in found:
        if not f.init or f.kw_only:
            continue
        if f.default is not MISSING or f.default_factory is not MISSING:
            seen_default = f.name
        elif seen_default is not None:
            raise TypeError(f"{cls.__qualname__}: non-default argument {f.name!r} follows default argument")


def tuple_of(names: list[str]) -> Any:
    """A getter of an object's attributes ``names`` as a tuple, for any count of names (``attrgetter``
    gives a bare value for one); fit to be a class attribute, never bound as a method."""
    if len(names) > 1:
        return operator.attrgetter(*names)
    if names:
        only = operator.attrgetter(names[0])
        return staticmethod(lambda obj: (only(obj),))
    return staticmethod(lambda obj: ())


# ------------------------------------------------------- shared methods


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return self._record_compared(self) == self._record_compared(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self._record_compared(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
    return f"{type(self).__qualname__}({shown})"


def _refuse_set(self: Any, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_delete(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)


# ------------------------------------------------------------- __init__


def _first_init(cls: type) -> Callable[..., None]:
    """An ``__init__`` that compiles the class's own, puts it in its place, and calls it."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = _compile_init(cls)
        type.__setattr__(cls, "__init__", init)
        init(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


_FACTORY = object()  # the default of a parameter whose field has a default factory


def _compile_init(cls: type) -> Callable[..., None]:
    scope: dict[str, Any] = {"_FACTORY": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for k, f in enumerate(fields(cls)):
        setter = f"_set{k}"
        scope[setter] = _slot(cls, f.name).__set__
        if f.default_factory is not MISSING:
            scope[f"_factory{k}"] = f.default_factory
            value = f"_factory{k}() if {f.name} is _FACTORY else {f.name}" if f.init else f"_factory{k}()"
            default = "=_FACTORY"
        elif f.default is not MISSING:
            scope[f"_default{k}"] = f.default
            value, default = (f.name, f"=_default{k}") if f.init else (f"_default{k}", "")
        elif f.init:
            value, default = f.name, ""
        else:  # ``field(init=False)`` with no default: left unset, as ``dataclass`` leaves it
            continue
        if f.init:
            (keyword if f.kw_only else positional).append(f"{f.name}{default}")
        body.append(f"    {setter}(self, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    params = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({params}) -> None:\n" + ("\n".join(body) or "    pass")
    exec(source, scope)  # noqa: S102  (the class's own field names and defaults)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _slot(cls: type, name: str) -> Any:
    """The slot descriptor of a field: the class's own, or a base record's."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    raise AssertionError(f"{cls.__qualname__}.{name} has no slot")
