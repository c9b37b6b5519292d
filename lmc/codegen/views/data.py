"""The view-models the templates receive: frozen, and already Python source where they reach Python.

Every field that ends up in generated Python is source text (a literal, an
annotation, a call), so a template only loops and prints. ``PackageView`` is
the whole package; the others are one enum, model, signature, module,
program or ``Params`` entry of one generated file.
"""

from __future__ import annotations

from pathlib import Path

from ...records import record
from ..info import BuildInfo
from ..retrievers import DataFile


@record
class EnumView:
    py_name: str
    doc: str | None  # a string literal: the .lmp docstring, if any
    members: tuple[tuple[str, str], ...]  # (Python member name, value literal)


@record
class ModelView:
    py_name: str
    doc: str | None  # a string literal; records have one only when the .lmp file gives it
    fields: tuple[str, ...]  # one line each: ``name: annotation = default``
    config: str | None  # ``ConfigDict(...)`` source, or None
    uses_field: bool  # some field line calls pydantic's ``Field``


@record
class SignatureView:
    py_name: str
    name: str  # literal
    instructions: str  # literal
    inputs: tuple[str, ...]  # ``Field(...)`` source
    outputs: tuple[str, ...]


@record
class ModuleView:
    path: str  # literal
    kind: str  # literal
    signature: str  # the SignatureView's py_name
    options: str | None  # dict literal, or None when empty
    settings: str | None = None  # keyword arguments (lm=..., adapter=...), or None when the module has none


@record
class ProgramView:
    name: str  # the .lmp name
    name_literal: str
    py_name: str  # global in programs.py, public name in __init__.py
    body_name: str
    abody_name: str
    params: str
    sync_lines: tuple[str, ...]
    async_lines: tuple[str, ...]
    inputs: tuple[str, ...]  # ``Field(...)`` source
    outputs: tuple[str, ...]
    module_paths: str  # tuple literal
    result_name: str  # literal: the result model's class name in results.py
    inputs_name: str  # literal: the input model's class name


@record
class ProgramClassView:
    """A program as ``__init__.py`` exposes it: a ``PackagedProgram`` subclass with a typed call."""

    py_name: str  # the program object's public name
    name_literal: str  # its .lmp name, as a literal (``programs.PROGRAMS``' key: it loads by name at first use)
    class_name: str
    doc: str  # docstring literal
    receiver: str  # the name of the methods' first parameter: ``self`` unless an input has it
    params: str  # the keyword parameters of ``__call__`` and ``acall``, source
    inputs: str  # the mapping they pass to ``invoke``: a dict display, or ``inputs``
    result_class: str  # the result model's class name (for annotations)
    result_name: str  # the same, as a literal (the models load by name at the first call)
    inputs_name: str  # literal: the input model's class name


@record
class ParamsView:
    path: str  # literal
    instructions: str  # literal
    demos: str  # tuple literal
    adapter: str  # literal
    extra: str  # further keyword arguments (an ensemble's members), "" when none


@record
class DocField:
    """An input or output as the README describes it."""

    name: str
    type: str
    desc: str
    option: str  # the command-line option of an input


@record
class DocProgram:
    name: str
    py_name: str
    inputs: tuple[DocField, ...]
    outputs: tuple[DocField, ...]
    python_example: str
    shell_example: str


@record
class ExtModule:
    """A user Python module shipped in ``_ext/``: where it comes from and how it is imported."""

    module: str  # dotted name as written in the .lmp file
    source: Path
    py_name: str  # its global name in programs.py


@record
class PackageView:
    package: str
    source_name: str
    # types.py
    types_imports: tuple[str, ...]
    enums: tuple[EnumView, ...]
    models: tuple[ModelView, ...]  # records
    # results.py
    results_imports: tuple[str, ...]
    program_models: tuple[ModelView, ...]  # each program's inputs and result
    # programs.py
    programs_imports: tuple[str, ...]
    signatures: tuple[SignatureView, ...]
    modules: tuple[ModuleView, ...]
    tools: tuple[tuple[str, str], ...]  # (name literal, ``Tool(...)`` source)
    retrievers: tuple[tuple[str, str], ...]
    metrics: tuple[tuple[str, str], ...]  # (name literal, callable source): the modules' rewards
    uses_data_dir: bool
    programs: tuple[ProgramView, ...]
    # params.py
    params: tuple[ParamsView, ...]
    knn_tables: tuple[str, ...]  # literals: each KNNFewShot table's name, its file knn/<name>.json
    # __init__.py
    init_imports: tuple[str, ...]  # lines: light imports only
    init_type_checking: tuple[str, ...]  # lines under ``if TYPE_CHECKING:``
    program_classes: tuple[ProgramClassView, ...]
    lazy_names: tuple[tuple[str, str], ...]  # (name literal, module literal): imported at first use
    default_model: str  # literal
    default_options: str  # dict literal
    exports: tuple[str, ...]  # literal strings for __all__
    # pyproject / README
    error_docs: tuple[str, ...]  # Markdown: one line per error class the package exports
    dependencies: tuple[str, ...]
    local_extra: str
    local_weights: str
    docs: tuple[DocProgram, ...]
    info: BuildInfo
    default_model_id: str
    # copied files
    ext_modules: tuple[ExtModule, ...]
    data_files: tuple[DataFile, ...]
    kind_modules: tuple[str, ...]  # runtime modules of the module kinds used (``kinds.pot``): vendored
    parity_json: str
    parity_cases: int  # how many runs parity.json holds (none: the parity test skips)
