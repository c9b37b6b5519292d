"""Every diagnostic lmc reports, as data: one table of codes, titles, messages and helps.

An ``Entry`` is one wording of one code (a code may have several); its name
is the name it has here. A check reports through it::

    ctx.report(catalog.UNKNOWN_OPTION, key.span, key="tempreature", owner="lm `default`", keys=...)

which fills the message and help templates with the fields (``template.py``
says how: ``{keys:ordered}`` lists names, ``{first:at}`` gives a place, ...).
A help is the entry's own unless the report gives another: a ``Help`` below
(a variant of the wording, chosen by what the check found) or a ready text
(``did you mean ...?``). Messages say what is wrong at the span; helps say
how to fix it. ``docs/diagnostics.md`` documents every code of this table,
and ``tests/test_catalog.py`` holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..records import record
from .core import Diagnostic, Severity, Span
from .template import fill

WARNING = Severity.WARNING


@record
class Filled:
    """An entry's message and help, filled in: a diagnostic waiting for its span."""

    entry: Entry
    message: str
    help: str | None

    @property
    def code(self) -> str:
        return self.entry.code

    def at(self, span: Span) -> Diagnostic:
        return Diagnostic(self.entry.code, self.message, span, self.help, self.entry.severity)


@record
class Help:
    """Another help for an entry, for a case the entry's own help does not fit."""

    template: str


@record
class Entry:
    code: str  # stable, documented in docs/diagnostics.md
    title: str
    message: str
    help: str | None = None
    severity: Severity = Severity.ERROR

    def fill(self, help: Help | str | None = None, /, **fields: object) -> Filled:
        """The message and help with ``fields`` in them; ``help`` replaces the entry's own."""
        if isinstance(help, Help):
            text: str | None = fill(help.template, fields)
        elif help is not None:
            text = help
        else:
            text = fill(self.help, fields) if self.help is not None else None
        return Filled(self, fill(self.message, fields), text)

    def at(self, span: Span, /, *, help: Help | str | None = None, **fields: object) -> Diagnostic:
        return self.fill(help, **fields).at(span)


# Helps that several entries share.
_RENAME = "rename `{name}`, for example to `{name}_`"
_CALLABLE = "modules, tools, retrievers, programs and the built-ins `unique`, `len`, `join`, `majority` can be called"
_KEYWORD = "choose another name, like `{word}_`"
_ESCAPES = 'the escapes are \\" \\\\ \\n \\t and \\uXXXX'
_RETURN = "end every path with `return module(...)` or `return {{ field: value, ... }}`"
_API_KEY = 'put the key in an environment variable and name it: `api_key_env: "OPENAI_API_KEY"`'
_SEARCH_FIRST = "chain it after a search, e.g. `optimizer: [BootstrapFewShotWithRandomSearch, Ensemble {{ size: 3 }}]`"
_FEWER_ROWS = "set `{key}: {rows}` or less, or add examples to {path}"
_LOOKED_FOR = "looked for {resolved}; paths are relative to the folder of the .lmp file"
_FIELDS_ARE = "the fields present in every row are {fields:names}"
_KIND_FIELD = "rename the field `{field}` in the signature, or use `Predict`"
_ARGUMENTS = "add {missing:kwargs}"
_CALLED_WITHOUT = "{what} is called without {missing:input|inputs} {missing:ordered}"
_TAKES = "{what} takes {params:ordered}"
_OUTPUTS_OF = "{missing:ordered}, {missing:an output|outputs} of program `{program}`"
_MINIBATCH = "`MIPROv2` cannot draw minibatches of {size} rows from the {rows} {rows:row|rows} "
_SAMPLED = '{auto:?`auto: "{auto}"` keeps }'
_DEFAULT = "{default:? (the default is {default})}"

# ------------------------------------------------------------------ E0xx the file's text

CANNOT_READ = Entry("E000", "unreadable file", "cannot read `{path}`: {reason}", "check the path")
NOT_UTF8 = Entry("E000", "not UTF-8", "the file is not valid UTF-8 (byte 0x{byte:02x})", "save the file as UTF-8")
UNEXPECTED_CHARACTER = Entry("E001", "unexpected character", "unexpected character `{char}`")
SINGLE_QUOTES = Help('strings use double quotes: `"..."`')
COMMENT_SIGN = Help("comments start with `#`")
NO_SLASH = Help("`/` is not an operator in `.lmp`")
NO_STAR = Help("`*` is not an operator in `.lmp`; only `+` and `-` are")
NO_BANG = Help("write `not x` to negate")
NO_AMPERSAND = Help("write `and`")
NO_BACKSLASH = Help("a backslash only appears inside a string")
ASCII_NAMES = Help("names are ASCII letters, digits and `_`; other text goes in a string")
UNEXPECTED_TOKEN = Entry("E002", "unexpected token", "expected {expected}, found {found}")
SEPARATE_ENTRIES = Help("separate entries with `,` or a new line")
BRACE_ON_SAME_LINE = Help("put the `{{` on the same line")
JOIN_LINES = Help("a `{{` block starts on the line it belongs to; join the two lines")
STILL_OPEN = Help("the `{bracket}` on line {line} is still open")
DECLARATION_IN_BRACKET = Entry(
    "E002",
    "a declaration inside a bracket",
    "`{word}` begins a new declaration, but the `{bracket}` on line {line} is still open",
    "add `{closer}` before this line",
)
KEYWORD_ARGUMENT_COLON = Entry(
    "E002", "`:` in a keyword argument", "a call's keyword arguments use `=`, not `:`", "write `{token_before}=...`"
)
OPTION_EQUALS = Entry(
    "E002", "`=` in an option", "an option is written `key: value`, not `key = value`", "write `{token_before}: ...`"
)
CALL_OF_NON_NAME = Entry(
    "E002",
    "call of something not a name",
    "only a name can be called",
    "call a module, tool, retriever or built-in by its name: `f(x)`; `a.b(x)` is not supported",
)
FIELD_WITHOUT_DIRECTION = Entry(
    "E002",
    "field without `in` or `out`",
    "a signature field starts with `in` or `out`",
    "write `in {token}: ...` for an input or `out {token}: ...` for an output",
)
CHAINED_COMPARISON = Entry("E002", "chained comparison", "comparisons do not chain", "write `a < b and b < c`")
ASSIGN_IN_CONDITION = Entry(
    "E002", "`=` in a condition", "`=` assigns; a condition compares with `==`", "write `==` to compare"
)
PARAMETER_WITHOUT_TYPE = Entry(
    "E002", "parameter without a type", "a parameter needs a type", "write `{token_before}: str` (or another type)"
)
DEFAULT_NOT_LITERAL = Entry(
    "E002",
    "default that is not a literal",
    "a default is a literal (a string, a number, `true`, `false` or `none`), not `{token}`",
    'write a literal: an enum member is its name in quotes (`= "calm"`, not `= Mood.calm`), and so is a text',
)
PROGRAM_WITHOUT_OUTPUTS = Entry(
    "E002",
    "program without outputs",
    "a program declares its outputs after its inputs: expected `->`, found {found}",
    "name them after an arrow: `program p(question: str) -> (answer: str) {{ ... }}`",
)
UNEXPECTED_EOF = Entry("E003", "unexpected end of file", "unexpected end of file; expected {expected}")
NEVER_CLOSED = Entry(
    "E003",
    "bracket never closed",
    "unexpected end of file: the `{bracket}` on line {line} is never closed",
    "add `{closer}`",
)
UNCLOSED_TRIPLE_STRING = Entry("E004", "unterminated string", 'this `"""` string is never closed', 'end it with `"""`')
UNCLOSED_STRING = Entry(
    "E004",
    "unterminated string",
    "this string is never closed",
    'end it with `"` on the same line; text over several lines goes in `"""...."""`',
)
UNKNOWN_ESCAPE = Entry("E005", "unknown escape", "unknown escape `\\{escape}`", _ESCAPES)
SHORT_UNICODE_ESCAPE = Entry("E005", "unknown escape", "`\\u` must be followed by four hex digits", _ESCAPES)
HALF_SURROGATE = Entry("E005", "unknown escape", "`{escape}` is half of a surrogate pair", _ESCAPES)
NUL_CHARACTER = Entry("E006", "NUL character", "the file contains a NUL character", "remove it")
INVALID_BYTE = Entry("E006", "invalid byte", "the file contains a byte that is not valid UTF-8", "remove it")
SIGNATURE_WITHOUT_ARROW = Entry(
    "E007",
    "string signature without `->`",
    "a string signature needs `->` between its inputs and its outputs",
    'write it like "question: str, k: int -> answers: list[str]"',
)
SIGNATURE_UNEXPECTED = Entry(
    "E007",
    "unreadable string signature",
    "in this string signature: expected {expected}, found {found}",
    'fields are `name` or `name: type`, separated by `,`: "question, k: int -> answer"',
)
UNEXPECTED_CHARACTER_IN_SIGNATURE = Entry(
    "E007", "unexpected character in a string signature", "unexpected character `{char}` in this string signature"
)
SIGNATURE_HASH = Entry(
    "E007",
    "`#` in a string signature",
    "a string signature cannot contain `#`",
    'fields are `name` or `name: type`: "question, k: int -> answer"',
)
KEYWORD_ASSIGNED = Entry("E008", "keyword as a name", "`{word}` is a keyword and cannot be assigned to", _KEYWORD)
KEYWORD_AS_NAME = Entry("E008", "keyword as a name", "`{word}` is a keyword and cannot be used as a name", _KEYWORD)
NESTED_TOO_DEEPLY = Entry(
    "E012",
    "nested too deeply",
    "this is nested {levels} levels deep; lmc reads at most {limit}",
    "split it: give inner parts names (`x = ...`), or move them into a program or a type of their own",
)
NUMBER_TOO_LARGE = Entry(
    "E011",
    "number too large",
    "this number is too large to be a value (it reads as infinity)",
    "write a number below 1e308 (an integer has at most 4,300 digits)",
)
PACKAGE_NAME = Entry(
    "E010",
    "unusable package name",
    "the package would be named `{name}`{origin}, {reason}",
    "name the package: `--name {suggestion}` (or `name=` in the API), or rename the file",
)

# ---------------------------------------------------------------------- E1xx names and kinds

DUPLICATE_DECLARATION = Entry(
    "E101",
    "declared twice",
    "`{name}` is declared twice",
    "the first ({a_kind}) is at {first:at}; rename one of them",
)
OPTIMIZED_TWICE = Entry(
    "E101",
    "two `optimize` blocks",
    "program `{program}` has a second `optimize` block",
    "the first `optimize` block is at {first:at}; merge the two blocks",
)
DUPLICATE_PARAMETER = Entry(
    "E101",
    "parameter declared twice",
    "parameter `{name}` is declared twice",
    "the first is at {first:at}; rename one of them",
)
DUPLICATE_LOCAL = Entry(
    "E101",
    "local name declared twice",
    "`{name}` is declared twice in this program",
    "the first is at {first:at}; rename one of them",
)
ASSIGN_TO_MODULE = Entry(
    "E101",
    "assignment to a module",
    "cannot assign to `{name}`: it is a module of this program",
    "the module is at {first:at}; rename the variable",
)
UNKNOWN_NAME = Entry(
    "E102", "unknown name", "unknown {what} `{name}`", "expected {wanted}; the file declares {candidates:names}"
)
DECLARE_FIRST = Help("expected {wanted}, but the file declares none; declare it first")
UNKNOWN_VARIABLE = Entry(
    "E102",
    "unknown variable",
    "unknown name `{name}`",
    "assign it first (`x = ...`) or add it to the program's parameters",
)
UNKNOWN_FUNCTION = Entry("E102", "unknown function", "unknown function `{name}`", _CALLABLE)
UNKNOWN_MEMBER = Entry(
    "E102", "unknown enum member", "enum `{enum}` has no member `{member}`", "its members are {members:ordered}"
)
UNKNOWN_MODULE_KIND = Entry(
    "E103", "unknown module kind", "unknown module kind `{kind}`", "expected one of {kinds:ordered}"
)
UNKNOWN_RETRIEVER_KIND = Entry(
    "E103", "unknown retriever kind", "unknown retriever kind `{kind}`", "expected one of {kinds:ordered}"
)
UNKNOWN_OPTIMIZER = Entry("E104", "unknown optimizer", "unknown optimizer `{name}`", "expected one of {known:ordered}")
UNKNOWN_METRIC_FUNCTION = Entry(
    "E105",
    "unknown metric function",
    "unknown metric function `{name}`",
    'use `exact_match(field)`, `f1(field)`, `contains(field)`, `judge(Signature)` or `python "module:function"`',
)
WRONG_KIND = Entry(
    "E106",
    "wrong kind of name",
    "`{name}` is {a_kind}, but {wanted} is expected here",
    "`{name}` is declared at line {declared.line}",
)
MODULE_AS_VALUE = Entry(
    "E106",
    "module used as a value",
    "`{name}` is a module; it can be called but not used as a value",
    "call it with its inputs: `{name}(field=...)`",
)
DECLARATION_AS_VALUE = Entry(
    "E106",
    "declaration used as a value",
    "`{name}` is {a_kind}, not a value",
    "only variables, parameters and literals are values in a program body",
)
CALL_IT = Help("call it: `{name}(...)`")
MODULE_WITH_IT = Help("declare a module with it, `module m = Predict({name})`, and call `m(...)`")
CALLED_VARIABLE = Entry("E106", "variable called", "`{name}` is a variable and cannot be called", _CALLABLE)
NOT_CALLABLE = Entry("E106", "not callable", "`{name}` is {a_kind} and cannot be called", _CALLABLE)
MODULE_FIRST = Help("declare a module first, `module m = Predict({name})`, then call `m(...)`")
METRIC_NOT_CALLED = Help("metrics are used by `optimize` and `evaluate` blocks, not called in programs")
PYTHON_KEYWORD = Entry("E107", "Python keyword", "`{name}` is a Python keyword and cannot name a {role}", _RENAME)
SHADOWS_BUILTIN = Entry(
    "E107", "built-in name", "`{name}` is the name of a built-in {what} and cannot be reused", _RENAME
)
SHADOWS_DECLARATION = Entry(
    "E108",
    "local name hides a declaration",
    "{role} `{name}` has the name of {a_kind} declared in this file",
    "the {kind} is at {declared:at}; rename the {role}",
)

# ------------------------------------------------------------------ E2xx types and signatures

DUPLICATE_MEMBER = Entry(
    "E201",
    "enum member listed twice",
    "enum `{enum}` lists `{member}` twice",
    "the first is at {first:at}; remove one of them",
)
DUPLICATE_FIELD = Entry(
    "E202",
    "field declared twice",
    "field `{name}` appears twice in {owner}",
    "the first is at {first:at}; rename one of them",
)
NO_OUTPUTS = Entry(
    "E203", "signature without outputs", "signature `{name}` has no output fields", "add one: `out answer: str`"
)
OUTPUTS_AFTER_ARROW = Help('name outputs after the arrow: "question -> answer"')
NO_INPUTS = Entry(
    "E204", "signature without inputs", "signature `{name}` has no input fields", "add one: `in question: str`"
)
INPUTS_BEFORE_ARROW = Help('name inputs before the arrow: "question -> answer"')
DICT_KEY = Entry(
    "E205",
    "dict keys are not `str`",
    "dictionary keys must be `str`",
    "LM outputs are JSON, whose object keys are strings: write `dict[str, T]`",
)
RECURSIVE_TYPE = Entry(
    "E206",
    "a record contains itself",
    "type `{name}` contains itself ({chain:chain}), so no value of it can be written",
    "make the field optional (`T?`) or a list (`list[T]`) to end the chain",
)
EMPTY_ENUM = Entry(
    "E207", "enum without members", "enum `{name}` has no members", "list its members: `enum Color {{ red, green }}`"
)
DUPLICATE_LITERAL = Entry(
    "E208",
    "literal listed twice",
    'the literal "{value}" appears twice in this union',
    'remove the second "{value}"',
    WARNING,
)
BAD_DEFAULT = Entry(
    "E209",
    "default of the wrong type",
    "the default of `{name}` is not {expected}",
    "give a default of the parameter's type, or change the type",
)

# ----------------------------------------------------------------------- E3xx program bodies

MISSING_INPUTS = Entry("E301", "missing input", _CALLED_WITHOUT, _ARGUMENTS)
UNKNOWN_ARGUMENT = Entry("E302", "unknown argument", "{what} has no input `{key}`", _TAKES)
ARGUMENT_TWICE = Entry("E302", "repeated argument", "`{key}` is given twice in this call of {what}", "keep one `{key}`")
POSITIONAL_ARGUMENT = Entry(
    "E303", "positional argument", "{what} takes keyword arguments only", "name each input: `field=value`"
)
NAME_THE_INPUT = Help("name the input: `{hint}=...`")
USED_BEFORE_ASSIGNMENT = Entry(
    "E304", "used before assignment", "`{name}` is used before it is assigned", "assign `{name}` before this line"
)
POSSIBLY_UNASSIGNED = Entry(
    "E304",
    "possibly unassigned",
    "`{name}` is possibly unassigned here: not every path before this line assigns it",
    "assign `{name}` on every path to this line: in each branch, or once before the `if` or loop",
)
UNASSIGNED_IN_LOOP = Entry(
    "E304",
    "unassigned in a loop's first round",
    "`{name}` is unassigned here in the loop's first round: it is assigned further down the loop",
    "give `{name}` a first value before the loop",
)
NEVER_RETURNS = Entry("E305", "no return", "program `{program}` never returns its outputs", _RETURN)
MAY_NOT_RETURN = Entry(
    "E305", "a path without return", "program `{program}` can reach its end without returning its outputs", _RETURN
)
RECORD_LACKS_OUTPUTS = Entry("E305", "record lacks outputs", "this record lacks " + _OUTPUTS_OF, "add {missing:items}")
RETURNS_VALUE = Entry(
    "E305",
    "returns a value, not outputs",
    "program `{program}` returns {desc}, not its outputs",
    "return a module call or a record: `return {{ {outputs:record} }}`",
)
RETURN_LACKS_OUTPUTS = Entry(
    "E305",
    "return lacks outputs",
    "{desc} does not produce " + _OUTPUTS_OF,
    "it produces {produced:ordered}; return a record to map fields: `return {{ {missing[0]}: ... }}`",
)
NOT_A_FIELD = Entry(
    "E306", "no such field", "`{attr}` is not a field of {desc}", "the fields of {desc} are {fields:ordered}"
)
NO_FIELDS = Entry(
    "E306",
    "a value without fields",
    "{desc} has no fields, so `.{attr}` cannot be read",
    "only predictions (results of module and program calls) and records have fields",
)
RECURSION = Entry(
    "E307",
    "recursive programs",
    "program `{program}` calls itself ({chain:chain})",
    "programs cannot be recursive; use `repeat N {{ ... }}` for a bounded loop",
)
MISSING_BUILTIN_ARGUMENTS = Entry("E308", "missing argument", _CALLED_WITHOUT, _ARGUMENTS)
TOO_MANY_ARGUMENTS = Entry(
    "E308", "too many arguments", "too many arguments for {what} (it takes at most {most})", _TAKES
)
NOT_AN_OUTPUT = Entry(
    "E309",
    "not an output of the program",
    "program `{program}` has no output `{field}`",
    "the outputs of `{program}` are {outputs:ordered}",
)
REPEAT_COUNT = Entry(
    "E310",
    "`repeat` count",
    "`repeat` needs a positive whole number",
    "write a literal count, like `repeat 3 {{ ... }}`; use `for x in list {{ ... }}` to loop over values",
)
UNREACHABLE = Entry(
    "E311",
    "unreachable statement",
    "this statement is never run: it follows a `return`",
    "remove it or move it before the `return`",
    WARNING,
)
UNUSED_MODULE = Entry(
    "E312",
    "unused module",
    "module `{name}` is declared but never called",
    "call it or remove it; an unused module still gets optimized",
    WARNING,
)
KIND_OUTPUT_CLASH = Entry(
    "E313",
    "the module kind's field",
    "`{kind}` adds its own `{field}` output, but signature `{signature}` already has a field `{field}`",
    _KIND_FIELD,
)
KIND_FIELD_CLASH = Entry(
    "E313",
    "the module kind's field",
    "`{kind}` uses a field `{field}` of its own, but signature `{signature}` already has a field `{field}`",
    _KIND_FIELD,
)
FINISH_TOOL = Entry(
    "E314",
    "a ReAct tool named `finish`",
    "`ReAct` adds its own tool `{tool}` (the agent calls it when it is done); a tool `{tool}` would clash",
    "rename the tool `{tool}`, for example to `{tool}_task`",
)

# ------------------------------------------------------------------------ E4xx option blocks

UNKNOWN_OPTION = Entry("E401", "unknown option", "unknown option `{key}` for {owner}", "valid options: {keys:ordered}")
NO_OPTIONS = Help("this takes no options; remove the block")
WRONG_TYPE = Entry("E402", "wrong value type", "`{key}` expects {expected}, got {got}", "write {expected}")
WITHOUT_QUOTES_NAME = Help("write the name without quotes: `{text}`")
WITHOUT_QUOTES_NUMBER = Help("write the number without quotes: `{text}`")
IN_QUOTES = Help('write it in quotes: "{text}"')
LIKE_EXAMPLE = Help("write {expected}, like {example}")
MISSING_OPTION = Entry(
    "E403", "missing required option", "{owner} needs the option `{key}`", "add `{key}: ...` ({type})"
)
MIPRO_MANUAL_MISSING = Entry(
    "E403",
    "missing required option",
    "`MIPROv2` with `auto: none` needs the option `{key}`",
    'add `{key}: ...` (an integer), or use `auto: "light"`',
)
GEPA_SIZE_MISSING = Entry(
    "E403",
    "missing required option",
    "`GEPA` needs the size of its run: one of `auto`, `max_full_evals` or `max_metric_calls`",
    'add `auto: "light"` (or "medium", "heavy"), `max_full_evals: N` or `max_metric_calls: N`',
)
BELOW_MINIMUM = Entry(
    "E404",
    "value out of range",
    "`{key}` must be at least {minimum:num}, got {value:num}",
)
ABOVE_MAXIMUM = Entry("E404", "value out of range", "`{key}` must be at most {maximum:num}, got {value:num}")
NOT_ABOVE = Entry("E404", "value out of range", "`{key}` must be greater than {above:num}, got {value:num}")
FROM_TO = Help("use a value from {minimum:num} to {maximum:num}" + _DEFAULT)
GREATER_THAN = Help("use a value greater than {above:num}" + _DEFAULT)
AT_LEAST = Help("use a value of at least {minimum:num}" + _DEFAULT)
NOT_A_CHOICE = Entry("E404", "value not a choice", '`{key}` must be {expected}, got "{got}"', "use {expected}")
EMPTY_INPUTS = Entry(
    "E404", "empty list", "`{key}` is empty", "list the fields the program receives: `inputs: [question]`"
)
EMPTY_OPTIMIZERS = Entry(
    "E404", "empty list", "`{key}` is empty", "give at least one optimizer, e.g. `optimizer: BootstrapFewShot`"
)
API_KEY = Entry("E405", "a secret in the file", "an API key must not be written in a file", _API_KEY)
API_KEY_ENV = Entry(
    "E405",
    "a secret in the file",
    "`api_key_env` must name an environment variable, and this is not a variable name",
    _API_KEY,
)
DUPLICATE_OPTION = Entry(
    "E406", "option given twice", "option `{key}` is given twice", "the first is at {first:at}; remove one of them"
)
NEEDS_CANDIDATES_FIRST = Entry(
    "E407",
    "optimizer without candidates",
    "`{name}` combines the scored candidates of the optimizer before it, and comes first in the chain",
    _SEARCH_FIRST,
)
NEEDS_CANDIDATES_AFTER = Entry(
    "E407",
    "optimizer without candidates",
    "`{name}` combines the scored candidates of the optimizer before it, and comes after `{previous}`, "
    "which scores no candidates",
    _SEARCH_FIRST,
)
MIPRO_AUTO_CONFLICT = Entry(
    "E407",
    "option set with `auto`",
    "`{key}` cannot be set while `auto` chooses the search size",
    "set `auto: none` to choose `num_candidates` and `num_trials` yourself, or remove this option",
)
GEPA_SIZE_CONFLICT = Entry(
    "E407",
    "run size set twice",
    "`{key}` cannot be set with `{first}`: GEPA's run is sized by one of `auto`, `max_full_evals` and "
    "`max_metric_calls`",
    "keep one of them",
)
EXTRACTION_LM_ADAPTER = Entry(
    "E407",
    "`extraction_lm` without the two-step adapter",
    "`extraction_lm` is the lm of the `two_step` adapter's second request, and this module's adapter is `{adapter}`",
    "write `adapter: two_step`, or remove `extraction_lm`",
)
MORE_DEMOS_THAN_ROWS = Entry(
    "E408",
    "more demos than rows",
    "`{key}` asks for {value} demos, but trainset `{trainset}` has {rows} {rows:row|rows}: at most {rows} will be used",
    _FEWER_ROWS,
    WARNING,
)
MORE_NEIGHBOURS_THAN_ROWS = Entry(
    "E408",
    "more neighbours than rows",
    "`k` asks for the {value} nearest examples, but trainset `{trainset}` has {rows} {rows:row|rows}: "
    "each call will use {rows:it|all {rows}}",
    _FEWER_ROWS,
    WARNING,
)
MINIBATCH_OF_VALSET = Entry(
    "E409",
    "minibatches larger than the rows",
    _MINIBATCH + _SAMPLED + "of valset `{dataset}`",
    "set `minibatch_size: {rows}` or less, or `minibatch: false` to score every trial on the whole valset",
)
MINIBATCH_OF_TRAINSET = Entry(
    "E409",
    "minibatches larger than the rows",
    _MINIBATCH + _SAMPLED + "of trainset `{dataset}` (the block has no valset)",
    "set `minibatch_size: {rows}` or less, or `minibatch: false` to score every trial on the whole valset",
)
SMALLER_MINIBATCH = Help("set `minibatch_size: {rows}` or less")
SIMBA_BATCH_OF_TRAINSET = Entry(
    "E409",
    "minibatches larger than the rows",
    "`SIMBA` cannot draw minibatches of {size} rows{default:? (`bsize`, its default)} from the {rows} "
    "{rows:row|rows} of trainset `{dataset}`",
    "set `bsize: {rows}` or less, or add examples to {path}",
)
CALIBRATE_NOT_GREEDY = Entry(
    "E410",
    "Calibrate on a model that does not decode greedily",
    "`Calibrate` reads log-probabilities, which `{model}` gives at temperature 0 only",
    "set `temperature: 0.0` in the options of `lm default`",
)

# ---------------------------------------------------------- E5xx metrics, data and Python

METRIC_FIELD_NOT_OUTPUT = Entry(
    "E501",
    "the metric's field is not an output",
    "metric `{metric}` compares `{field}`, which is not an output of {scored}",
    "its outputs are {outputs:ordered}; compare one of them",
)
SUGGESTED_OUTPUT = Help("{suggestion} (its outputs are {outputs:ordered})")
DATA_MISSING = Entry("E502", "data file not found", "{owner}: file `{path}` not found", _LOOKED_FOR)
DATA_NEAR = Help("did you mean `{near}`? (looked for {resolved})")
DATA_IS_A_FOLDER = Entry("E502", "data file not found", "{owner}: `{path}` is a folder, not a file", _LOOKED_FOR)
DATA_UNREADABLE = Entry(
    "E503", "data file cannot be read", "{owner}: cannot read the file: {reason}", "check the file {path}"
)
CORPUS_UNREADABLE = Entry("E503", "data file cannot be read", "{owner}: cannot read the corpus: {where}: {reason}")
FIX_LINE = Help("fix line {line} of {path}")
FIX_ROW = Help("fix row {row} of {path}")
FIX_FILE = Help("fix {path}")
INPUT_NOT_IN_DATA = Entry(
    "E504", "a field the data lacks", "dataset `{dataset}` has no field `{field}`, listed in its `inputs`", _FIELDS_ARE
)
DATA_LACKS_INPUT = Entry(
    "E504",
    "a field the data lacks",
    "dataset `{dataset}` has no field `{field}` needed by program `{program}`",
    _FIELDS_ARE,
)
CORPUS_LACKS_FIELD = Entry(
    "E504",
    "a field the corpus lacks",
    "the corpus of retriever `{retriever}` has no field `{field}` at {where}",
    "set `text_field` to one of {fields:names}",
)
DATA_LACKS_LABEL = Entry(
    "E505",
    "the metric's label is missing",
    "dataset `{dataset}` has no field `{field}`, which metric `{metric}` compares",
    _FIELDS_ARE,
)
LABEL_MISSING_IN_ROWS = Entry(
    "E519",
    "some rows lack the metric's label",
    "dataset `{dataset}` ({path}): {where} has no `{field}`, which metric `{metric}` compares",
    "give every row its `{field}`: a row without one scores 0 and cannot be a demo",
    WARNING,
)
LABEL_NOT_A_CHOICE = Entry(
    "E520",
    "a label is not one of the output's values",
    "dataset `{dataset}` ({path}): `{field}` is {value!r} at {where}, not one of {choices:ordered} ({type})",
    "write one of {choices:ordered}; no answer can match this label",
    WARNING,
)
LABEL_IS_INPUT = Entry(
    "E505",
    "the metric's label is an input",
    "dataset `{dataset}` lists `{field}` in `inputs`, but metric `{metric}` compares it as the label",
    "remove `{field}` from `inputs`: a program must not receive the answer it is scored on",
)
BAD_PYTHON_REFERENCE = Entry(
    "E506",
    "malformed Python reference",
    '{owner}: "{ref}" is not a Python reference',
    'write "module.path:function", e.g. "mytools:search"',
)
COLON_NOT_DOT = Help('separate the module and the function with a colon: "{module}:{function}"')
PYTHON_MODULE_NOT_FOUND = Entry(
    "E507",
    "Python module not found",
    "{owner}: Python module `{module}` cannot be found",
    "put `{file}` in {base_dir}, or install the package that provides it",
)
PYTHON_MODULE_NOT_LOCAL = Entry(
    "E515",
    "shipped Python module not beside the file",
    "{owner}: `{module}` is not a file beside the .lmp file, and the package ships its module from there",
    "put `{file}` beside the .lmp file (tools, python retrievers and rewards are copied into the package)",
)
PYTHON_SYNTAX_ERROR = Entry(
    "E516",
    "Python module does not parse",
    "{owner}: `{file}` does not parse: {error} (line {line})",
    "fix line {line} of `{file}`",
)
PYTHON_FUNCTION_NOT_FOUND = Entry(
    "E517",
    "Python function not found",
    "{owner}: `{file}` defines no `{function}`",
    "define `def {function}(...)` at the top level of `{file}`, or fix the name after the colon",
)
PYTHON_NOT_A_FUNCTION = Entry(
    "E517",
    "Python function not found",
    "{owner}: `{function}` in `{file}` is a value, not a function",
    "make `{function}` a function: `def {function}(...)`",
)
PYTHON_IMPORT_MISSING = Entry(
    "E518",
    "Python module imports a missing module",
    "{owner}: `{file}` imports `{module}` (line {line}), which cannot be found",
    "install `{module}` where lmc runs (and the package, where it runs), or remove the import",
)
JUDGE_OUTPUTS = Entry(
    "E508",
    "judge signature",
    "a judge signature needs exactly one `bool` or `float` output; `{signature}` has {outputs:ordered}",
    "give it a single verdict, e.g. `out correct: bool` or `out score: float`",
)
METRIC_ARITY = Entry(
    "E509",
    "built-in metric arguments",
    "`{function}` takes exactly one {argument} name, got {got}",
    "write `{function}(answer)` with one output field",
)
ONE_SIGNATURE = Help("write `{function}(Signature)`")
INPUT_NOT_DECLARED = Entry(
    "E510",
    "dataset inputs do not match the program",
    "program `{program}` needs `{field}`, but dataset `{dataset}` does not list it in `inputs`",
    "add `{field}` to the dataset's `inputs`",
)
INPUT_NOT_A_PARAMETER = Entry(
    "E510",
    "dataset inputs do not match the program",
    "dataset `{dataset}` lists `{field}` in `inputs`, but program `{program}` has no such parameter",
    "the parameters of `{program}` are {params:ordered}",
)
DATA_FORMAT = Entry(
    "E511",
    "unsupported data format",
    "{owner}: unsupported file type `{suffix}`",
    "use a `.jsonl`, `.json` (a list of objects) or `.csv` file",
)
REWARD_NOT_PYTHON = Entry(
    "E512",
    "a reward that needs a gold answer",
    "metric `{metric}` cannot be the reward of module `{module}`: `{function}` compares with a gold answer, "
    "which a program does not have when it runs",
    'a reward is `metric NAME = python "module:function"`, a function `(inputs, prediction) -> float` '
    "of the module's inputs and outputs, or a `judge` of them",
)
JUDGE_REWARD_LM = Entry(
    "E512",
    "a reward's judge on another lm",
    "judge metric `{metric}` cannot be the reward of module `{module}`: it asks lm `{lm}`, "
    "and a package has only the program's lm to run it with",
    "leave out `lm:` (or write `lm: default`): a reward's judge asks the lm the program runs with",
)
JUDGE_REWARD_INPUT = Entry(
    "E512",
    "a reward's judge input the module lacks",
    "judge metric `{metric}` cannot be the reward of module `{module}`: its input `{field}` is neither "
    "an input nor an output of signature `{signature}`, and a reward sees only those",
    "rename `{field}` to one of {fields:ordered}, or use a `python` reward",
)
DATASET_EMPTY = Entry(
    "E513",
    "an empty dataset",
    "dataset `{dataset}` has no rows to {purpose}",
    "add examples to {path}, or use another dataset",
)
JUDGE_INPUT_MISSING = Entry(
    "E514",
    "a judge input with no value",
    "judge metric `{metric}` needs input `{field}`, which is neither an output of program `{program}` "
    "nor a field of dataset `{dataset}`",
    "rename `{field}` to an output or a data field: the program outputs {outputs:names}; " + _FIELDS_ARE,
)
JUDGE_FEEDBACK_FIELD = Entry(
    "E521",
    "a judge's feedback field is taken",
    "judge metric `{metric}` asks for feedback as an output `feedback`, but signature `{signature}` "
    "already has a field `feedback` ({direction})",
    "rename that field of `{signature}`, or leave out `feedback: true`",
)

# ------------------------------------------------------------------------------ E9xx lmc itself

INTERNAL_ERROR = Entry(
    "E900",
    "internal error",
    "internal error: the `{check}` check crashed ({error}: {detail})",
    "this is a bug in lmc; please report it with the file",
)

# The table by name, for the docs and their tests.
ENTRIES: Mapping[str, Entry] = MappingProxyType({k: v for k, v in globals().items() if isinstance(v, Entry)})
HELPS: Mapping[str, Help] = MappingProxyType({k: v for k, v in globals().items() if isinstance(v, Help)})
