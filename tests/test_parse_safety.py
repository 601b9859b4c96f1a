"""Hostile input: every string either parses into a bounded expression or raises AnswerSyntaxError —
nothing crashes, hangs or runs.  Random strings come from hypothesis; the worst cases are listed."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import textwrap

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbackprop import MLP
from symbackprop.answers import check_answer
from symbackprop.errors import AnswerSyntaxError
from symbackprop.parse import Limits, expansion_size, expression_depth, lecture_vocabulary, parse_expression

NET = MLP([2, 2, 1], activation="sigmoid", bias=True)
LIMITS = Limits()
VOCABULARY = lecture_vocabulary(NET)

HOSTILE = [
    "9^9^9^9",
    "10**10**10",
    "2^(2^(2^(2^(2^2))))",
    "(x_1+x_2)^16^16",
    "((x_1+x_2+y_1+b^1_1+b^1_2)^16)^16",
    "((((x_1+x_2)^16)^16)^16)^16",
    "(x_1+x_2+y_1+w^1_11+w^1_12+w^1_21+w^1_22+b^1_1)^16 * (x_1+x_2+y_1+w^2_11+w^2_12+b^2_1+b^1_2+b^1_1)^16",
    "99999999999999999999999999999^16",
    "999999999999999999999999999999999",
    "1e999999",
    "(" * 5000 + "x_1" + ")" * 5000,
    "-" * 1990 + "x_1",
    "exp(" * 60 + "x_1" + ")" * 60,
    "x_1+" * 600 + "x_1",
    "x_1" * 700,
    "a" * 3000,
    "__import__('os').system('echo pwned')",
    "lambda: __import__('os')",
    "x_1.__class__.__mro__",
    "().__class__.__bases__[0].__subclasses__()",
    "exec('1')",
    "eval('1')",
    "open('/etc/passwd').read()",
    "Symbol('x')",
    "S('x')",
    r"\input{/etc/passwd}",
    r"\def\x{\x}\x",
    r"\write18{touch /tmp/pwned}",
    r"\immediate\write18{ls}",
    r"\csname relax\endcsname",
    "\\\\",
    "$x_1$",
    "x_1 ; x_2",
    "x_1\x00",
    "x_1\u202ey_1",
    "ｘ_１",
    "𝑥_1",
    "x_１",
    "w^1_{" + "1 " * 900 + "x",
    "w^1_{" + "1" * 1000,
    "w^{" + " " * 1500 + "1}_{11}",
    "δ" * 10,
    "σ'(" * 30 + "z^1_1" + ")" * 30,
    "log(-1)",
    "sqrt(-x_1^2 - 1)",
    "0^0",
    "0^-1",
    "x_1/(x_1 - x_1)",
    "1/(a^1_1 - a^1_1)",
    "e^{e^{e^{e^{e^{e^{e^{x_1}}}}}}}",
    "e^{1000000000000000000000000000000}",
    "e^{100000000000000000000000000000}",
    "e^{2147483647 x_1}*e^{2147483647 x_1}",
    "((((x_1^16)^16)^16)^16)",
    "exp(1000 z^2_1) + exp(-16 z^2_1) + exp(17 z^1_1)",
    "σ(2147483647 z^2_1)",
    "e^{2σ(e^{e^{16}})}",
    "exp(2 sigma(exp(exp(16))) x_1)",
    "tanh(exp(exp(9)))",
    "log(exp(exp(exp(2))))",
    "σ(e)",
    "H(0)",
    "2^{1/1000}",
    "x_1^{1/1000}",
    "x_1^(10/3)",
]


def _bounded(expression: sp.Expr) -> bool:
    numerator, denominator = expansion_size(expression, VOCABULARY.weights)
    return (
        isinstance(expression, sp.Expr)
        and expression_depth(expression) <= LIMITS.max_depth
        and max(numerator, denominator) <= LIMITS.max_terms
        and not expression.has(sp.zoo, sp.nan, sp.oo, sp.I, sp.Float)
    )


def _parses_boundedly_or_raises(text: str) -> None:
    try:
        expression = parse_expression(text, vocabulary=VOCABULARY)
    except AnswerSyntaxError as error:
        assert error.position is None or 0 <= error.position <= len(text)
        return
    assert _bounded(expression), (text, expression)


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:40]))
def test_hostile_strings_parse_into_bounded_expressions_or_raise_answer_syntax_error(text):
    _parses_boundedly_or_raises(text)


@pytest.mark.parametrize(
    "text",
    ["9^9^9^9", "10**10**10", "(x_1+x_2)^16^16", "((x_1+x_2+y_1+b^1_1+b^1_2)^16)^16", "1e999999", "((((x_1^16)^16)^16)^16)", "e^{10^15 x_1}"],
)
def test_huge_exponents_are_refused_before_anything_is_raised_to_a_power(text):
    with pytest.raises(AnswerSyntaxError, match="too large"):
        parse_expression(text, vocabulary=VOCABULARY)


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:40]))
def test_the_checker_gives_a_verdict_or_a_syntax_error_for_hostile_strings(text):
    try:
        verdict = check_answer(NET, "b^2_1", text)
    except AnswerSyntaxError:
        return
    assert verdict.status in ("correct", "wrong", "timeout")


class _Forbidden(Exception):
    pass


def _forbid(name):  # noqa: ANN001, ANN202
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise _Forbidden(f"{name} was called while checking an answer")

    return refuse


def _forbid_string_sympify(original):  # noqa: ANN001, ANN202
    def guarded(value, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if isinstance(value, str):
            raise _Forbidden("sympify was called on a string")
        return original(value, *args, **kwargs)

    return guarded


def test_answer_text_never_reaches_eval_exec_compile_sympify_or_parse_expr(tmp_path):
    import sympy.parsing.sympy_parser

    sympify_module = sys.modules["sympy.core.sympify"]

    check_answer(NET, "b^2_1", "delta^2_1 * sigma'(z^2_1)")  # build grammar and caches first
    sentinel = tmp_path / "pwned"
    payloads = [
        f"__import__('os').system('touch {sentinel}')",
        f"eval(\"__import__('os').system('touch {sentinel}')\")",
        f"exec('open(\"{sentinel}\", \"w\")')",
        f"\\write18{{touch {sentinel}}}",
        "delta^2_1 * sigma'(z^2_1) * a^1_2",  # a valid, wrong answer exercises every stage of the checker
        r"2(a^2_1-y_1)\frac{e^{-z^{2}_{1}}}{\left(1+e^{-z^{2}_{1}}\right)^{2}}",
        "phi(x_1) + tanh(x_2) + sqrt(x_1^2 + 1) + log(1 + x_2^2)",
    ]
    # patched by hand (not with monkeypatch) so that everything is restored before pytest's own hooks run
    patches = [
        (builtins, "eval", _forbid("eval")),
        (builtins, "exec", _forbid("exec")),
        (builtins, "compile", _forbid("compile")),
        (sympify_module, "sympify", _forbid_string_sympify(sympify_module.sympify)),
        (sp, "sympify", _forbid_string_sympify(sp.sympify)),
        (sympy.parsing.sympy_parser, "parse_expr", _forbid("parse_expr")),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    outcomes = []
    try:
        for owner, name, replacement in patches:
            setattr(owner, name, replacement)
        for payload in payloads:
            try:
                outcomes.append(check_answer(NET, "b^2_1", payload).status)
            except AnswerSyntaxError:
                outcomes.append("syntax error")
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    assert outcomes == ["syntax error"] * 4 + ["wrong", "correct", "wrong"]
    assert not sentinel.exists()


# --- property-based: random and structured strings ------------------------------------------------------

PIECES = [
    "x_1", "x_2", "y_1", "w^2_12", "w^{1}_{2,1}", "b^1_2", "z^2_1", "a^1_1", "a^0_2", "δ^1_2", r"\delta^{2}_{1}",
    "σ'", "sigma", r"\varphi'", "phi", "tanh", "exp", "log", "sqrt", r"\frac", "e", "H", "relu",
    "(", ")", "{", "}", "[", "]", r"\left(", r"\right)", "+", "-", "*", "/", "^", "**", r"\cdot", "'", "²",
    "0", "1", "2", "16", "9", "0.5", "1e3", "99999", " ", ",", "_", "=", "\\", "∑", "∂", "__import__", "lambda",
]

random_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
token_text = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_text)
def test_random_unicode_never_crashes_the_parser(text):
    _parses_boundedly_or_raises(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token_text)
def test_random_token_soup_never_crashes_the_parser(text):
    _parses_boundedly_or_raises(text)


def _expressions():
    atoms = st.sampled_from(["x_1", "x_2", "y_1", "a^1_1", "a^2_1", "z^1_2", "w^2_11", "b^2_1", "δ^1_1", "δ^2_1", "2", "0.5", "e"])

    def extend(inner):  # noqa: ANN001, ANN202
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", " "]), inner).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
            st.tuples(inner, st.sampled_from(["2", "-1", "16", "17", "1/2", "9^9"])).map(lambda t: f"({t[0]})^{{{t[1]}}}"),
            st.tuples(st.sampled_from(["σ", "σ'", "φ", "φ'", "tanh", "exp", "log", "sqrt", "H", "relu'"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            inner.map(lambda t: f"-({t})"),
        )

    return st.recursive(atoms, extend, max_leaves=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions())
def test_structured_expressions_check_to_a_verdict_or_a_syntax_error(text):
    try:
        verdict = check_answer(NET, "w^2_12", text, time_limit=5)
    except AnswerSyntaxError:
        return
    assert verdict.status in ("correct", "wrong", "timeout")
    assert verdict.correct == (verdict.status == "correct")


def test_nothing_hangs_on_the_worst_inputs():
    """A hang detector, not a speed claim: the worst inputs run in a child process that must finish.
    (They take about a second; the bound only catches a runaway.)"""
    script = textwrap.dedent(
        """
        import sys
        from symbackprop import MLP
        from symbackprop.answers import check_answer
        from symbackprop.errors import AnswerSyntaxError
        from tests.test_parse_safety import HOSTILE
        net = MLP([2, 2, 1], activation="sigmoid", bias=True)
        for text in HOSTILE:
            for wrt in ("b^2_1", "w^1_12"):
                try:
                    check_answer(net, wrt, text)
                except AnswerSyntaxError:
                    pass
        print("done")
        """
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


SCHEDULE_PIECES = ["k", "1", "2", "0.9", "10", "16", "e", "pi", "sqrt", "log", "exp", "(", ")", "{", "}", "+", "-", "*", "/", "^", " ", "1e-3", r"\frac", "x", "__"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SCHEDULE_PIECES), max_size=40).map("".join))
def test_schedule_expressions_parse_boundedly_or_raise(text):
    from symbackprop.errors import ExpressionSyntaxError
    from symbackprop.parse import schedule_vocabulary

    try:
        expression = parse_expression(text, vocabulary=schedule_vocabulary())
    except ExpressionSyntaxError as error:
        assert error.position is None or 0 <= error.position <= len(text)
        return
    assert expression_depth(expression) <= LIMITS.max_depth
    assert expression.free_symbols <= {sp.Symbol("k", integer=True, nonnegative=True)}
