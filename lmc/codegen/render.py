"""Templates to file contents: one Jinja environment, one template per generated file.

Templates receive view-models whose Python-bound values are already source
text (``views/``); the helpers here only quote for TOML and Markdown. The
package's code comes first (``render_code_files``); ``pyproject.toml`` and
the README follow (``render_project_files``), since the type-checker settings
depend on the runtime files that code makes the package ship.
"""

from __future__ import annotations

import functools
import json
import re

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket

from ..resources import cache_folder, resource_dir
from ..runtime.package import env_var_for
from .format import format_many
from .info import ScoreRow
from .literals import py_docstring, py_literal
from .vendor import Vendored
from .views.data import PackageView


class _TemplateCache(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates that never fails a render: a folder gone, full or unwritable,
    or a damaged file, only costs the compilation again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - any damage: compile the template again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def template_cache() -> _TemplateCache | None:
    """Where compiled templates are kept: lmc's cache folder when there is one (``resources.cache_folder``;
    Jinja checks each against its source), which saves ~35 ms a build; None when there is none."""
    folder = cache_folder()
    if folder is None:
        return None
    templates = folder / "templates"
    try:
        templates.mkdir(exist_ok=True)
    except OSError:
        return None
    return _TemplateCache(str(templates))


@functools.cache
def environment() -> Environment:
    """The package templates' environment, its compiled templates kept (``template_cache``)."""
    return Environment(
        bytecode_cache=template_cache(),
        loader=FileSystemLoader(resource_dir("templates")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


class _Toml:
    """TOML basic strings (JSON's escapes are valid TOML; DEL must be escaped too)."""

    def __init__(self, package: str) -> None:
        self.package = self.str(package)

    @staticmethod
    def str(value: str) -> str:
        return json.dumps(value, ensure_ascii=True).replace("\x7f", "\\u007f")


class _Markdown:
    @staticmethod
    def code(text: str) -> str:
        """An inline code span that holds ``text`` whatever backticks or pipes it contains."""
        text = text.replace("|", "\\|").replace("\n", " ")
        run = max((len(r) for r in re.findall("`+", text)), default=0)
        fence = "`" * (run + 1)
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{fence}{pad}{text}{pad}{fence}"

    @staticmethod
    def text(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")

    @staticmethod
    def score(value: float | None) -> str:
        return "n/a" if value is None else f"{round(value, 3):g}"


def render_project_files(view: PackageView, vendored: Vendored) -> dict[str, str]:
    """``pyproject.toml`` and ``README.md``, by their paths inside ``DIR/<package>/``."""
    pkg = view.package
    return {
        "pyproject.toml": render(
            "pyproject.toml.jinja", view=view, toml=_Toml(pkg), unchecked=_unchecked_modules(vendored)
        ),
        "README.md": render(
            "README.md.jinja",
            view=view,
            md=_Markdown(),
            env_var=env_var_for(pkg),
            scores=[row if isinstance(row, ScoreRow) else ScoreRow(*row) for row in view.info.scores],
            # ruff formats Python blocks in Markdown too: keep the examples as it would.
            examples={name: text.rstrip("\n") for name, text in _formatted_examples(view).items()},
        ),
    }


def _unchecked_modules(vendored: Vendored) -> list[str]:
    """What ``pyproject.toml`` tells mypy not to look for: untyped third-party packages, runtime modules not shipped."""
    return [f"{name}.*" for name in vendored.untyped_imports] + list(vendored.absent)


def render_code_files(view: PackageView) -> dict[str, str]:
    """Every templated file of the package's code, unformatted, by its path inside ``DIR/<package>/``."""
    pkg = view.package

    def doc(text: str) -> str:
        return py_docstring(text)

    files = {
        f"{pkg}/__init__.py": render(
            "__init__.py.jinja",
            view=view,
            doc=doc(f"The `{pkg}` package: language-model programs compiled by lmc."),
            package_literal=py_literal(pkg),
        ),
        f"{pkg}/__main__.py": render(
            "__main__.py.jinja",
            view=view,
            doc=doc(f"Command line: python -m {pkg} PROGRAM --input value ..."),
            prog_literal=py_literal(f"python -m {pkg}"),
        ),
        f"{pkg}/types.py": render(
            "types.py.jinja",
            view=view,
            doc=doc("Enums, and records as pydantic models."),
        ),
        f"{pkg}/results.py": render(
            "results.py.jinja",
            view=view,
            doc=doc("Each program's inputs and result, as pydantic models, loaded at first use."),
        ),
        f"{pkg}/programs.py": render(
            "programs.py.jinja",
            view=view,
            doc=doc("Signatures, modules and one body function per program (sync and async)."),
        ),
        f"{pkg}/params.py": render(
            "params.py.jinja",
            view=view,
            doc=doc("Every module's learned instructions and demos, as the optimizer chose them."),
        ),
        f"{pkg}/py.typed": "",
        f"{pkg}/tests/__init__.py": "",
        f"{pkg}/tests/test_parity.py": render("test_parity.py.jinja", view=view),
        f"{pkg}/tests/parity.json": view.parity_json,
    }
    if view.ext_modules:
        files[f"{pkg}/_ext/__init__.py"] = ""
    return files


def _formatted_examples(view: PackageView) -> dict[str, str]:
    """Each program's README example, formatted as ruff formats Python blocks in Markdown (one ruff run)."""
    formatted = format_many({f"example_{i}.py": p.python_example for i, p in enumerate(view.docs)})
    return {p.name: formatted[f"example_{i}.py"] for i, p in enumerate(view.docs)}
