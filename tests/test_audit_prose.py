"""Definitions stated in words (audit/prose.py): each rule read from typed sentences, and the audit
judging what they define (a right formula correct, a wrong one incorrect, none defined undecided)."""

from __future__ import annotations

from pathlib import Path

import pytest

from symderiv.audit import audit, extract

ROOT = Path(__file__).resolve().parents[1]
MATRIX_GRADIENT = ROOT / "derivations" / "seed003-s3-matrix-gradient.toml"


def _definitions(text: str) -> list[tuple[str, str, int]]:
    document = extract(text, "md")
    return [(d.name.latex, d.value.latex, d.equation) for d in document.definitions]


@pytest.mark.parametrize("sentence", [
    r"There is one value of $i$ for which $\lfloor k/n \rfloor = i - 1$, which we will denote $i^*$.",
    r"There is one value of i for which $\lfloor k/n \rfloor = i - 1$, which we denote by $i^*$.",
    r"The index $i$ such that $\lfloor k/n \rfloor = i - 1$ (denoted $i^*$) is unique.",
    r"Take the $i$ with $\lfloor k/n \rfloor = i - 1$, which we call $i^*$.",
])
def test_a_name_for_the_solution_of_a_relation(sentence: str) -> None:
    (name, value, equation), = _definitions(sentence)
    assert (name, value, equation) == ("i^*", r"\left\lfloor k / n \right\rfloor + 1", 0)
    link = extract(sentence, "md").equations[0].links[0]
    assert link.definition and link.defined_side.latex == "i^*" and "solves" in link.cue


@pytest.mark.parametrize("sentence", [
    r"There is one value of $i$ for which $i^2 = k$, which we denote $i^*$.",  # two roots: not solved
    r"We have $\lfloor k/n \rfloor = i - 1$. We denote $i^*$ the answer.",  # another sentence
    r"For which $a = b + c$, which we denote $x^*$.",  # x is in no relation
])
def test_no_solution_is_defined_where_none_is_stated(sentence: str) -> None:
    assert [d for d in extract(sentence, "md").definitions if d.in_prose or "solves" in d.cue] == []


@pytest.mark.parametrize(("sentence", "value"), [
    (r"where $\mathbf{A}_i^{\top}$ denotes the *i*-th row of $\mathbf{A}$.", r"\left[ \mathbf{A}_{i l} \right]_{l}"),
    (r"where $\mathbf{A}_i^{\top}$ denotes the $i$-th row of $\mathbf{A}$.", r"\left[ \mathbf{A}_{i l} \right]_{l}"),
    (r"Let $\mathbf{a}_j$ be the jth column of $A$.", r"\left[ A_{l j} \right]_{l}"),
    (r"Here $\mathbf{a}_j^T$ is the j-th column of $A$.", r"\left[ A_{l j} \right]_{l}^{\top}"),
    (r"and $x_n$ stands for the $n$-th row of $X$.", r"\left[ X_{n l} \right]_{l}"),
])
def test_a_row_or_a_column_in_words(sentence: str, value: str) -> None:
    (definition,) = extract(sentence, "md").definitions
    assert definition.in_prose and definition.value.latex == value


@pytest.mark.parametrize("sentence", [
    r"where $\mathbf{A}_i^{\top}$ denotes the $j$-th row of $\mathbf{A}$.",  # the letters disagree
    r"where $\mathbf{A}$ denotes the $i$-th row of $\mathbf{B}$.",  # no index on the name
    r"The $i$-th row of $\mathbf{A}$ is long.",  # no name given
])
def test_no_slice_where_the_words_do_not_give_one(sentence: str) -> None:
    assert extract(sentence, "md").definitions == ()


_GRADIENT = "## 3 The gradient\n\n$$\\nabla f(\\mathbf{A})_{ij} = 2v_j \\mathbf{A}_i^{\\top} \\mathbf{v}$$\n\n"


@pytest.mark.parametrize(("words", "verdict"), [
    ("where $\\mathbf{A}_i^{\\top}$ denotes the $i$-th row of $\\mathbf{A}$.", "correct"),
    # A_i^T the i-th column: A_i^T v is a column times a column, ill-typed under the student's own words
    ("where $\\mathbf{A}_i^{\\top}$ denotes the $i$-th column of $\\mathbf{A}$.", "incorrect"),
    ("where the vector is a row.", "undecided"),  # nothing defined: one index on a matrix is not read
])
def test_the_audit_judges_a_display_under_the_words_after_it(words: str, verdict: str) -> None:
    from symderiv.kinds import load

    result = audit(load(MATRIX_GRADIENT), _GRADIENT + words + "\n", "md")
    (entry,) = [entry for entry in result.entries if entry.line == 3]
    assert entry.verdict == verdict, entry.message
    if verdict == "incorrect":
        assert "shape: cannot multiply" in entry.message, entry.message


def test_the_solved_name_is_substituted_in_later_claims() -> None:
    from symderiv.kinds import load

    text = ("## 3 The gradient\n\nLet $g(\\mathbf{a}) = \\sum_{i=1}^{m} \\left( \\sum_{j=1}^{n} a_{(i-1)n+j} v_j "
            "\\right)^2$.\n\nThere is one value of $i$ for which $\\lfloor \\frac{k'}{n} \\rfloor = i - 1$, "
            "which we will denote $i^*$. Therefore\n\n"
            "$$\\nabla g(\\mathbf{a})_{k'} = 2v_{k' \\bmod n} \\sum_{j=1}^{n} a_{(i^*-1)n+j} v_j$$\n")
    result = audit(load(MATRIX_GRADIENT), text, "md")
    by_line = {entry.line: entry for entry in result.entries}
    assert by_line[5].verdict == "definition" and "solves" in by_line[5].message
    # k' mod n is 0 at k' = n: the 1-based index map is off by one (as the seed's claim 3.2c-istar)
    assert by_line[7].verdict == "incorrect", by_line[7].message


_WHERE = ("## Question 2\n\nThe targets are one-hot: $\\sum_k t_k = 1$. So\n\n"
          "$$\\frac{{\\partial E}}{{\\partial y_i}} = {value}$$\n\n{after}\n")


@pytest.mark.parametrize(("value", "after", "verdict"), [
    ("p_i - t_i", "where $p_i = \\mathrm{softmax}(y)_i$.", "correct"),
    ("p_i + t_i", "where $p_i = \\mathrm{softmax}(y)_i$.", "incorrect"),
    # a definition in a later sentence explains nothing before it: p is unknown at the display
    ("p_i - t_i", "This is short. We write $p_i = \\mathrm{softmax}(y)_i$.", "undecided"),
])
def test_where_after_a_display_defines_its_names_there(value: str, after: str, verdict: str) -> None:
    from symderiv.kinds import load

    text = _WHERE.format(value=value, after=after)
    result = audit(load(ROOT / "derivations" / "seed000-q2-softmax-ce.toml"), text, "md")
    (entry,) = [entry for entry in result.entries if entry.line == 5]
    assert entry.verdict == verdict, entry.message
    document = extract(text, "md")
    display = next(equation for equation in document.equations if equation.line == 5)
    visible = [definition.name.latex for definition in document.definitions_visible(display)]
    assert visible == (["p_i"] if after.startswith("where") else [])
