"""Every construct of the language parses to the IR it means (LMP-SPEC sections 1-2)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from lmc.diagnostics.core import Span
from lmc.ir import nodes as ir
from lmc.syntax.grammar import parser
from lmc.syntax.parse import parse

DATA = Path(__file__).parent / "data"
SAMPLES = Path(__file__).parent.parent / "samples"


def parse_ok(text: str) -> ir.SourceFile:
    source, diagnostics = parse(text, "t.lmp")
    assert diagnostics == []
    assert source is not None
    return source


def only(text: str) -> ir.Decl:
    (decl,) = parse_ok(text).decls
    return decl


def sx(node: object) -> str:
    """A compact, span-free rendering of IR, so tests read like the source."""
    match node:
        case ir.Ident(name=name):
            return name
        case ir.Name(ident=ident):
            return ident.name
        case ir.Const(value=value):
            return (
                {True: "true", False: "false", None: "none"}.get(value, None)
                if (value is None or isinstance(value, bool))
                else json.dumps(value)
            )
        case ir.ListExpr(items=items) | ir.ListValue(items=items):
            return "[" + ", ".join(sx(i) for i in items) + "]"
        case ir.RecordExpr(fields=fields):
            return "{" + ", ".join(f"{k.name}: {sx(v)}" for k, v in fields) + "}"
        case ir.Attr(obj=obj, attr=attr):
            return f"(. {sx(obj)} {attr.name})"
        case ir.Call(func=func, args=args, kwargs=kwargs):
            parts = [sx(a) for a in args] + [f"{k.name.name}={sx(k.value)}" for k in kwargs]
            return f"{func.name}({', '.join(parts)})"
        case ir.BinOp(op=op, left=left, right=right):
            return f"({op} {sx(left)} {sx(right)})"
        case ir.UnaryOp(op=op, operand=operand):
            return f"({op} {sx(operand)})"
        case ir.NamedType(name=name):
            return name.name
        case ir.ListType(item=item):
            return f"list[{sx(item)}]"
        case ir.DictType(key=key, value=value):
            return f"dict[{sx(key)}, {sx(value)}]"
        case ir.OptionalType(inner=inner):
            return f"{sx(inner)}?"
        case ir.LiteralType(values=values):
            return "|".join(json.dumps(v) for v in values)
        case ir.NameValue(name=name):
            return name.name
        case ir.Options(entries=entries):
            return "{" + ", ".join(f"{e.key.name}: {sx(e.value)}" for e in entries) + "}"
        case ir.CallValue(name=name, options=options):
            return f"{name.name}{sx(options)}"
        case ir.ModuleDecl(name=name, kind=kind, signature=sig, options=options):
            return f"module {name.name} = {kind.name}({sig.name}, {sx(options)})"
        case ir.Assign(target=target, value=value):
            return f"{target.name} = {sx(value)}"
        case ir.Repeat(count=count, body=body):
            return f"repeat {sx(count)} {sx(body)}"
        case ir.For(var=var, iterable=iterable, body=body):
            return f"for {var.name} in {sx(iterable)} {sx(body)}"
        case ir.If(cond=cond, then=then, orelse=orelse):
            return f"if {sx(cond)} {sx(then)} else {sx(orelse)}"
        case ir.Return(value=value):
            return f"return {sx(value)}"
        case ir.ExprStmt(value=value):
            return sx(value)
        case tuple():
            return "{" + "; ".join(sx(s) for s in node) + "}"
    raise AssertionError(f"sx does not know {node!r}")


def erase(node: object) -> object:
    """The IR with every span removed, to compare two spellings of one program."""
    if isinstance(node, Span):
        return None
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return (type(node).__name__,) + tuple(
            (f.name, erase(getattr(node, f.name))) for f in dataclasses.fields(node) if f.name != "span"
        )
    if isinstance(node, tuple):
        return tuple(erase(n) for n in node)
    return node


def body_of(statements: str) -> tuple[ir.Stmt, ...]:
    decl = only(f"program p(a: str) -> (b: str) {{\n{statements}\n}}\n")
    assert isinstance(decl, ir.ProgramDecl)
    return decl.body


def expr_of(source: str) -> ir.Expr:
    (stmt,) = body_of(f"x = {source}")
    assert isinstance(stmt, ir.Assign)
    return stmt.value


# ---------------------------------------------------------------- whole files


def test_spec_example_parses_to_every_declaration_kind() -> None:
    source = parse_ok((DATA / "spec_example.lmp").read_text())
    kinds = [type(d).__name__ for d in source.decls]
    assert kinds == [
        "LmDecl", "LmDecl", "LmDecl", "EnumDecl", "TypeDecl", "SignatureDecl", "SignatureDecl",
        "SignatureDecl", "ToolDecl", "RetrieverDecl", "ProgramDecl", "MetricDecl", "MetricDecl",
        "MetricDecl", "DatasetDecl", "DatasetDecl", "OptimizeDecl", "EvaluateDecl",
    ]  # fmt: skip
    named = source.named()
    assert named["default"].model == "local/smollm2"
    assert sx(named["mine"].options) == '{api_base: "http://127.0.0.1:8000/v1", api_key_env: "MY_KEY"}'
    assert [m.name for m in named["Sentiment"].members] == ["positive", "negative", "neutral"]
    classify = named["Classify"]
    assert classify.instructions == "Classify the sentiment of a movie review sentence."
    assert [(f.direction, f.name.name, sx(f.type), f.desc) for f in classify.fields] == [
        ("in", "sentence", "str", "one sentence from a review"),
        ("out", "sentiment", "Sentiment", None),
        ("out", "confidence", "float", "between 0 and 1"),
    ]
    assert sx(named["classify"].body) == "{module judge = Predict(Classify, {}); return judge(sentence=sentence)}"
    optimize = source.of(ir.OptimizeDecl)[0]
    assert optimize.options.keys() == ("optimizer", "metric", "trainset", "valset", "teacher", "seed")
    assert sx(optimize.options.get("optimizer")) == (
        "BootstrapFewShotWithRandomSearch{max_bootstrapped_demos: 4, max_labeled_demos: 4, num_candidate_programs: 8}"
    )
    assert sx(source.of(ir.EvaluateDecl)[0].options) == "{metric: accuracy, dataset: dev}"


def test_spec_multihop_program() -> None:
    source = parse_ok((DATA / "spec_multihop.lmp").read_text())
    program = source.named()["multihop"]
    assert isinstance(program, ir.ProgramDecl)
    assert [m.name.name for m in program.modules] == ["hop", "respond"]
    assert sx(program.body) == (
        "{module hop = ChainOfThought(GenerateQuery, {}); "
        "module respond = ChainOfThought(GenerateAnswer, {}); "
        "context = []; "
        "repeat 2 {q = (. hop(context=context, question=question) query); "
        "context = unique((+ context wiki(q)))}; "
        "return respond(context=context, question=question)}"
    )
    answer = source.named()["GenerateAnswer"]
    assert answer.instructions == "Answer questions with short factoid answers."
    assert [f.desc for f in answer.fields] == ["may contain relevant facts", None, "often between 1 and 5 words"]


@pytest.mark.parametrize(
    "path", sorted(p for p in SAMPLES.glob("*/*.lmp") if p.parent.name != "errors"), ids=lambda p: p.stem
)
def test_samples_parse_cleanly(path: Path) -> None:
    assert parse_ok(path.read_text()).decls


def test_empty_and_blank_files_have_no_declarations() -> None:
    for text in ("", "\n\n", "# only a comment", "  \n# a\n\n   # b\n"):
        assert parse_ok(text).decls == ()


# --------------------------------------------------------------- declarations


def test_lm_with_and_without_options() -> None:
    bare = only('lm fast = "openai/gpt-4o-mini"')
    assert isinstance(bare, ir.LmDecl)
    assert (bare.name.name, bare.model, bare.options.entries) == ("fast", "openai/gpt-4o-mini", ())
    full = only('lm x = "m" { temperature: 0.7, stop: ["\\n\\n", "END"], cache: false, num_retries: 3 }')
    assert sx(full.options) == '{temperature: 0.7, stop: ["\\n\\n", "END"], cache: false, num_retries: 3}'


ENUM_SPELLINGS = [
    "enum Color { red, green, blue }",
    "enum Color { red, green, blue, }",
    "enum Color {\n  red\n  green\n  blue\n}",
    "enum Color {\n  red,\n  green,\n  blue,\n}",
    "enum Color {   # the colors\n\n  red   # warm\n\n  # cold ones:\n  green, blue\n\n}",
    "enum Color {red,green\n,blue}",
]


@pytest.mark.parametrize("text", ENUM_SPELLINGS)
def test_enum_members_separated_by_commas_or_newlines(text: str) -> None:
    decl = only(text)
    assert isinstance(decl, ir.EnumDecl)
    assert [m.name for m in decl.members] == ["red", "green", "blue"]


def test_record_type_fields() -> None:
    decl = only(
        'type Paper {\n  title: str "the title"\n  authors: list[Author]\n'
        '  scores: dict[str, float]?, kind: "journal" | "conference"\n}'
    )
    assert isinstance(decl, ir.TypeDecl)
    assert [(f.name.name, sx(f.type), f.desc, f.direction) for f in decl.fields] == [
        ("title", "str", "the title", None),
        ("authors", "list[Author]", None, None),
        ("scores", "dict[str, float]?", None, None),
        ("kind", '"journal"|"conference"', None, None),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("str", "str"),
        ("int?", "int?"),
        ("list[str]", "list[str]"),
        ("list[list[int]]", "list[list[int]]"),
        ("dict[str, list[Citation]]", "dict[str, list[Citation]]"),
        ("list[int?]?", "list[int?]?"),
        ('"yes" | "no"', '"yes"|"no"'),
        ('"only"', '"only"'),
        ('"a" | "b"?', '"a"|"b"?'),
        ("Sentiment", "Sentiment"),
        ("list[\n  str\n]", "list[str]"),
    ],
)
def test_types(text: str, expected: str) -> None:
    decl = only(f"type T {{ f: {text} }}")
    assert sx(decl.fields[0].type) == expected


def test_signature_block_docstring_forms() -> None:
    triple = only('signature S {\n  """\n    Line one.\n      indented.\n  """\n  in a: str\n}')
    assert triple.instructions == "Line one.\n  indented."
    single = only('signature S { "Short doc.", in a: str, out b: int }')
    assert single.instructions == "Short doc."
    assert [(f.direction, f.name.name, sx(f.type)) for f in single.fields] == [("in", "a", "str"), ("out", "b", "int")]
    assert only("signature S {\n  in a: str\n}").instructions is None
    assert only("signature S {}").fields == ()


def test_signature_field_without_type_is_str_spanning_its_name() -> None:
    decl = only('signature S {\n  in question "asked by the user"\n  out answer\n}')
    question, answer = decl.fields
    assert (sx(question.type), question.desc) == ("str", "asked by the user")
    assert question.type.span == question.name.span == Span("t.lmp", 2, 6, 2, 14)
    assert (answer.direction, sx(answer.type), answer.desc) == ("out", "str", None)
    assert decl.from_string is False


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("question -> answer", [("in", "question", "str"), ("out", "answer", "str")]),
        (
            "question: str, k: int -> answers: list[str]",
            [("in", "question", "str"), ("in", "k", "int"), ("out", "answers", "list[str]")],
        ),
        (
            "context: list[str], question -> reasoning, answer: float?",
            [
                ("in", "context", "list[str]"),
                ("in", "question", "str"),
                ("out", "reasoning", "str"),
                ("out", "answer", "float?"),
            ],
        ),  # fmt: skip
        ("q -> scores: dict[str, int]", [("in", "q", "str"), ("out", "scores", "dict[str, int]")]),
        ('text -> label: \\"pos\\" | \\"neg\\"', [("in", "text", "str"), ("out", "label", '"pos"|"neg"')]),
        ("  a ->b  ", [("in", "a", "str"), ("out", "b", "str")]),
        ("-> answer", [("out", "answer", "str")]),
    ],
)
def test_string_signatures(text: str, fields: list[tuple[str, str, str]]) -> None:
    decl = only(f'signature S = "{text}"')
    assert isinstance(decl, ir.SignatureDecl)
    assert decl.from_string is True
    assert decl.instructions is None
    assert [(f.direction, f.name.name, sx(f.type)) for f in decl.fields] == fields
    assert all(f.desc is None for f in decl.fields)


def test_string_signature_with_instructions_and_multiline_string() -> None:
    decl = only('signature S = "q -> a" "Answer briefly."')
    assert (decl.instructions, [f.name.name for f in decl.fields]) == ("Answer briefly.", ["q", "a"])
    multi = only('signature S = """\n  context, question ->\n  answer\n"""')
    assert [(f.direction, f.name.name) for f in multi.fields] == [
        ("in", "context"),
        ("in", "question"),
        ("out", "answer"),
    ]


def test_tool() -> None:
    decl = only('tool search(query: str, k: int = 3, strict: bool = false,) -> list[str] = python "mytools:search"')
    assert isinstance(decl, ir.ToolDecl)
    assert [(p.name.name, sx(p.type), p.default and p.default.value) for p in decl.params] == [
        ("query", "str", None),
        ("k", "int", 3),
        ("strict", "bool", False),
    ]
    assert (sx(decl.returns), decl.impl.ref, decl.doc) == ("list[str]", "mytools:search", None)
    documented = only('tool now() -> str = python "clock:now" "The time."')
    assert (documented.params, documented.doc) == ((), "The time.")


def test_tool_defaults_of_every_literal_kind() -> None:
    decl = only(
        'tool t(a: int = -2, b: float = -0.5, c: str = "x", d: str? = none, e: bool = true) -> str = python "m:f"'
    )
    assert [p.default.value for p in decl.params] == [-2, -0.5, "x", None, True]


@pytest.mark.parametrize(
    ("text", "kind", "source", "options"),
    [
        ('retriever wiki = bm25 "data/corpus.jsonl" { text_field: "text", k: 3 }', "bm25", "data/corpus.jsonl",
         '{text_field: "text", k: 3}'),
        ('retriever mine = python "mymod:search" { k: 5 }', "python", "mymod:search", "{k: 5}"),
        ('retriever plain = bm25 "c.jsonl"', "bm25", "c.jsonl", "{}"),
    ],
)  # fmt: skip
def test_retrievers(text: str, kind: str, source: str, options: str) -> None:
    decl = only(text)
    assert isinstance(decl, ir.RetrieverDecl)
    assert (decl.kind.name, decl.source, sx(decl.options)) == (kind, source, options)
    assert decl.source_span is not None and decl.source_span.col == text.index('"') + 1


def test_program_header() -> None:
    decl = only("program p(q: str, k: int = 2) -> (answer: str, score: float,) {}")
    assert isinstance(decl, ir.ProgramDecl)
    assert [(p.name.name, sx(p.type), p.default and p.default.value) for p in decl.params] == [
        ("q", "str", None),
        ("k", "int", 2),
    ]
    assert [(o.name.name, sx(o.type), o.default) for o in decl.outputs] == [
        ("answer", "str", None),
        ("score", "float", None),
    ]
    assert decl.body == ()
    assert only("program p() -> (a: str) {\n}").params == ()


@pytest.mark.parametrize(
    ("text", "func", "args", "options"),
    [
        ("metric m = exact_match(sentiment)", "exact_match", ["sentiment"], "{}"),
        ("metric m = f1(answer)", "f1", ["answer"], "{}"),
        ("metric m = contains(answer)", "contains", ["answer"], "{}"),
        ("metric m = judge(Verdict, lm: teacher)", "judge", ["Verdict"], "{lm: teacher}"),
        ("metric m = judge(lm: teacher)", "judge", [], "{lm: teacher}"),
        ("metric m = f1(a, b, threshold: 0.5,)", "f1", ["a", "b"], "{threshold: 0.5}"),
        ("metric m = always()", "always", [], "{}"),
    ],
)
def test_builtin_metrics(text: str, func: str, args: list[str], options: str) -> None:
    decl = only(text)
    assert isinstance(decl, ir.MetricDecl) and isinstance(decl.expr, ir.BuiltinMetric)
    assert (decl.expr.func.name, [a.name for a in decl.expr.args], sx(decl.expr.options)) == (func, args, options)


def test_python_metric() -> None:
    decl = only('metric custom = python "mymetrics:score"  # fn(example, prediction) -> float')
    assert decl.expr == ir.PythonRef(ref="mymetrics:score", span=Span("t.lmp", 1, 17, 1, 41))


def test_dataset_optimize_evaluate() -> None:
    source = parse_ok(
        'dataset dev = "data/dev.csv" { inputs: [sentence], limit: 200 }\n'
        'dataset all = "all.json"\n'
        'optimize p {\n  optimizer: [LabeledFewShot { k: 4 }, MIPROv2 { auto: "light" }]\n  seed: 0\n}\n'
        "evaluate p { metric: accuracy, dataset: dev }\n"
    )
    dev, every, optimize, evaluate = source.decls
    assert (dev.path, sx(dev.options)) == ("data/dev.csv", "{inputs: [sentence], limit: 200}")
    assert dev.path_span == Span("t.lmp", 1, 15, 1, 29)
    assert (every.path, every.options.entries) == ("all.json", ())
    assert optimize.program.name == "p"
    assert sx(optimize.options) == '{optimizer: [LabeledFewShot{k: 4}, MIPROv2{auto: "light"}], seed: 0}'
    assert sx(evaluate.options) == "{metric: accuracy, dataset: dev}"


# -------------------------------------------------------------- option values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", "12"),
        ("0.7", "0.7"),
        ("-3", "-3"),
        ("-0.25", "-0.25"),
        ("1e3", "1000.0"),
        ('"text"', '"text"'),
        ('"""long\n   text"""', '"long\\ntext"'),
        ("true", "true"),
        ("false", "false"),
        ("none", "none"),
        ("accuracy", "accuracy"),
        ('[a, 1, "s", [true]]', '[a, 1, "s", [true]]'),
        ("[]", "[]"),
        ("{ a: 1, b: { c: none } }", "{a: 1, b: {c: none}}"),
        ("{}", "{}"),
        ("BootstrapFewShot { max_labeled_demos: 4 }", "BootstrapFewShot{max_labeled_demos: 4}"),
        ("Ensemble {}", "Ensemble{}"),
        ("[A { x: 1 },\n B { y: [2] }]", "[A{x: 1}, B{y: [2]}]"),
    ],
)
def test_option_values(value: str, expected: str) -> None:
    decl = only(f"optimize p {{ key: {value} }}")
    assert sx(decl.options.get("key")) == expected


def test_option_value_types() -> None:
    options = only("optimize p { i: 3, f: 3.0, n: -3, b: true }").options
    assert [type(e.value.value) for e in options.entries] == [int, float, int, bool]


KEYWORDS = (
    "lm enum type signature tool retriever program metric dataset optimize evaluate module repeat for if else "
    "return python list dict in out and or not true false none"
).split()


def test_keyword_list_is_the_grammars() -> None:
    words = {t.pattern.value for t in parser().terminals if t.pattern.value.isalpha() and t.pattern.type == "str"}
    assert words == set(KEYWORDS)


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_keywords_are_reserved(keyword: str) -> None:
    source, diagnostics = parse(f"enum {keyword} {{ a }}", "t.lmp")
    assert source is None
    assert [(d.code, d.span.col) for d in diagnostics] == [("E008", 6)]


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_every_keyword_can_be_an_option_key(keyword: str) -> None:
    decl = only(f"evaluate p {{ {keyword}: 1 }}")
    assert decl.options.keys() == (keyword,)


OPTION_BLOCK_SPELLINGS = [
    "optimize p { metric: acc, seed: 1, optimizer: A { k: 4 } }",
    "optimize p { metric: acc, seed: 1, optimizer: A { k: 4, }, }",
    "optimize p {\n  metric: acc\n  seed: 1\n  optimizer: A {\n    k: 4\n  }\n}",
    "optimize p {\n  metric: acc,\n  seed: 1,\n  optimizer: A {\n    k: 4,\n  },\n}",
    "optimize p {   # tuned\n\n  metric: acc   # best one\n\n\n  seed: 1 ; \n  optimizer: A { k:\n 4 }\n}".replace(
        " ; ", ""
    ),
    "optimize p\t{metric:acc,seed:1,optimizer:A{k:4}}",
    "optimize p {\r\n  metric: acc\r\n  seed: 1\r\n  optimizer: A { k: 4 }\r\n}\r\n",
]


@pytest.mark.parametrize("text", OPTION_BLOCK_SPELLINGS)
def test_option_block_separators(text: str) -> None:
    assert sx(only(text).options) == "{metric: acc, seed: 1, optimizer: A{k: 4}}"


# ----------------------------------------------------------------- statements


def test_module_declarations() -> None:
    body = body_of(
        "module a = Predict(Sig)\n"
        "module b = ReAct(Sig, tools: [search, lookup], max_iters: 5)\n"
        "module c = BestOfN(Sig, n: 3, reward: acc, threshold: 1.0,)\n"
        "module d = Refine(\n  Sig,\n  n: 3\n)"
    )
    assert [sx(s) for s in body] == [
        "module a = Predict(Sig, {})",
        "module b = ReAct(Sig, {tools: [search, lookup], max_iters: 5})",
        "module c = BestOfN(Sig, {n: 3, reward: acc, threshold: 1.0})",
        "module d = Refine(Sig, {n: 3})",
    ]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("x = 1", "x = 1"),
        ("repeat 3 { x = f(x) }", "repeat 3 {x = f(x)}"),
        ("repeat n + 1 {}", "repeat (+ n 1) {}"),
        ("for doc in wiki(q) { notes = notes + [doc] }", "for doc in wiki(q) {notes = (+ notes [doc])}"),
        ("if a { x = 1 }", "if a {x = 1} else {}"),
        ("if a { x = 1 } else { x = 2 }", "if a {x = 1} else {x = 2}"),
        ("if a { x = 1 } else if b { x = 2 } else { x = 3 }", "if a {x = 1} else {if b {x = 2} else {x = 3}}"),
        ("if a {\n  x = 1\n}\nelse {\n  x = 2\n}", "if a {x = 1} else {x = 2}"),
        ("return x", "return x"),
        ("return { answer: a, score: 0.5 }", "return {answer: a, score: 0.5}"),
        ("return {\n  answer: a,\n  score: 1\n}", "return {answer: a, score: 1}"),
        ("return {}", "return {}"),
        ("log(x)", "log(x)"),
        ("f(x).y", "(. f(x) y)"),
    ],
)
def test_statements(statement: str, expected: str) -> None:
    (stmt,) = body_of(statement)
    assert sx(stmt) == expected


def test_if_else_if_nests_an_if_in_orelse() -> None:
    (stmt,) = body_of("if a { } else if b { x = 1 }")
    assert isinstance(stmt, ir.If) and len(stmt.orelse) == 1
    inner = stmt.orelse[0]
    assert isinstance(inner, ir.If) and sx(inner.cond) == "b" and inner.orelse == ()


BODY_SPELLINGS = [
    "x = 1\ny = f(x, k=2)\nreturn y",
    "x = 1; y = f(x, k=2); return y",
    "x = 1;\ny = f(x, k=2);\nreturn y;",
    "\n\n  x = 1   # one\n\n  # a comment line\n  y = f(\n    x,\n    k=2,\n  )\n\n  return y\n\n",
    "x =\n  1\ny = f(x,\n      k=2)\nreturn y",
    "x = 1\r\ny = f(x, k=2)\r\nreturn y",
]


@pytest.mark.parametrize("statements", BODY_SPELLINGS)
def test_statement_separators_and_line_continuations(statements: str) -> None:
    assert sx(body_of(statements)) == "{x = 1; y = f(x, k=2); return y}"


def test_semicolons_separate_top_level_declarations() -> None:
    source = parse_ok('lm a = "x"; lm b = "y";\nenum E { p };')
    assert [d.name.name for d in source.decls] == ["a", "b", "E"]


# ---------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("a or b or c", "(or (or a b) c)"),
        ("not a and b", "(and (not a) b)"),
        ("not not a", "(not (not a))"),
        ("not a == b", "(not (== a b))"),
        ("a == b and c != d", "(and (== a b) (!= c d))"),
        ("a < b", "(< a b)"),
        ("a <= b + 1", "(<= a (+ b 1))"),
        ("a >= b", "(>= a b)"),
        ("a > -1", "(> a -1)"),
        ("a + b - c", "(- (+ a b) c)"),
        ("a - -b", "(- a (- b))"),
        ("-a.b", "(- (. a b))"),
        ("-(a + b)", "(- (+ a b))"),
        ("-3", "-3"),
        ("-(3)", "-3"),
        ("-2.5 + x", "(+ -2.5 x)"),
        ("(a or b) and c", "(and (or a b) c)"),
        ("f(x).y.z", "(. (. f(x) y) z)"),
        ("f()", "f()"),
        ("f(a, b, k=c, m=d + 1)", "f(a, b, k=c, m=(+ d 1))"),
        ("f(k=1,)", "f(k=1)"),
        ("f(g(h(1)))", "f(g(h(1)))"),
        ('[1, "two", none, true, false]', '[1, "two", none, true, false]'),
        ("[a,\n b,\n]", "[a, b]"),
        ("[]", "[]"),
        ("{ answer: a + b }", "{answer: (+ a b)}"),
        ('"a" + "b"', '(+ "a" "b")'),
        ("unique(context + wiki(q))", "unique((+ context wiki(q)))"),
        ("a +\n b", "(+ a b)"),
        ("a and\n b", "(and a b)"),
    ],
)
def test_expression_precedence(text: str, expected: str) -> None:
    assert sx(expr_of(text)) == expected


def test_number_literals() -> None:
    values = [expr_of(t).value for t in ("0", "12", "0.7", "1.5e-3", "2E2", "007")]
    assert values == [0, 12, 0.7, 0.0015, 200.0, 7]
    assert [type(v) for v in values] == [int, int, float, float, float, int]


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    depth = 3000
    value = expr_of("(" * depth + "a" + ")" * depth + " + " + " + ".join(["b"] * depth))
    assert isinstance(value, ir.BinOp) and value.op == "+"
    nested = expr_of("[" * depth + "]" * depth)
    for _ in range(depth - 1):
        (nested,) = nested.items
    assert nested.items == ()


def test_newline_and_semicolon_spellings_give_the_same_ir() -> None:
    compact = parse_ok('lm a = "m" { x: 1 }; program p(q: str) -> (r: str) { y = 1; return { r: q } }')
    spread = parse_ok(
        '# heading\n\nlm a = "m" {\n  x: 1,\n}\n\n\nprogram p(\n  q: str,\n) -> (\n  r: str,\n) {\n'
        "  y = 1\n\n  return {\n    r: q,\n  }\n}\n# trailing\n"
    )
    assert erase(compact) == erase(spread)
