"""The seed articles' derivations, line for line (issue 14).

Each case is one derivation of ../shared/seeds/, its lines transcribed into matcalc's text
notation (b^T_lj is (Bᵀ)_lj, ∂a_kp b_pl/∂a_ij is ∂(a_kp b_pl)/∂a_ij, [1, ⋯, 1] is 𝟏ᵀ) with
the reason the article gives where it gives one: "(∵ k=i, p=j の項のみが残る)". matcalc's
proof must have the same lines in the same order, with the same index letters, in both
languages. Where matcalc writes a step the article folds into its last line (the entry
(∂L/∂C Bᵀ)_ij before ∂L/∂C Bᵀ), the case names that step's key in ``added``; where it
takes another route, ``differs`` says where and why, and only the lines up to there are
compared (the result is compared always).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from matcalc import derive


@dataclass
class Case:
    seed: str                        # "001 eq. 15"
    program: str
    wrt: str
    lines: list[tuple]               # (key, text) or (key, text, the article's reason in ja)
    result: str                      # the last line, ∂L/∂A = …
    added: tuple[str, ...] = ()      # our steps that the article folds into its result
    differs: str | None = None       # from here on the route differs, and why
    tail: list[tuple] = field(default_factory=list)  # our last lines, after ``differs``


CASES = [
    Case("001 eq. 3", "C = A + B", "A", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂c_kl ∂c_kl/∂a_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂c_kl ∂(a_kl + b_kl)/∂a_ij"),
        ("keep", "∂L/∂c_ij ∂(a_ij + b_ij)/∂a_ij", "∵ k=i,l=jの項のみが残る"),
        ("differentiate", "∂L/∂c_ij")], "∂L/∂A = ∂L/∂C"),
    Case("001 eq. 4", "C = A + B", "B", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂c_kl ∂c_kl/∂b_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂c_kl ∂(a_kl + b_kl)/∂b_ij"),
        ("keep", "∂L/∂c_ij ∂(a_ij + b_ij)/∂b_ij", "∵ k=i,l=jの項のみが残る"),
        ("differentiate", "∂L/∂c_ij")], "∂L/∂B = ∂L/∂C"),
    Case("001 eq. 7", "b: (n,)\nC = A + b", "A", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂c_kl ∂c_kl/∂a_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂c_kl ∂(a_kl + b_l)/∂a_ij"),
        ("keep", "∂L/∂c_ij ∂(a_ij + b_j)/∂a_ij", "∵ k=i,l=jの項のみが残る"),
        ("differentiate", "∂L/∂c_ij")], "∂L/∂A = ∂L/∂C"),
    Case("001 eq. 9", "b: (n,)\nC = A + b", "b", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂c_kl ∂c_kl/∂b_j"),
        ("element_form", "Σ_k Σ_l ∂L/∂c_kl ∂(a_kl + b_l)/∂b_j"),
        ("keep", "Σ_k ∂L/∂c_kj ∂(a_kj + b_j)/∂b_j", "∵ l=jの項のみが残る"),
        ("differentiate", "Σ_k ∂L/∂c_kj")], "∂L/∂b = 𝟏ᵀ ∂L/∂C", added=("sum_ones",)),
    Case("001 eq. 12", "B = A\nC = A\nD = B * C", "A", [
        ("fan_out", "Σ_k Σ_l ∂L/∂b_kl ∂b_kl/∂a_ij + Σ_p Σ_q ∂L/∂c_pq ∂c_pq/∂a_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂b_kl ∂a_kl/∂a_ij + Σ_p Σ_q ∂L/∂c_pq ∂a_pq/∂a_ij"),
        ("keep", "∂L/∂b_ij ∂a_ij/∂a_ij + ∂L/∂c_ij ∂a_ij/∂a_ij",
         "∵ k=i,l=j, p=i,q=jの項のみが残る"),
        ("differentiate", "∂L/∂b_ij + ∂L/∂c_ij")], "∂L/∂A = ∂L/∂B + ∂L/∂C"),
    Case("001 eq. 15", "C = A @ B", "A", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂c_kl ∂c_kl/∂a_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂c_kl Σ_p ∂(a_kp b_pl)/∂a_ij"),
        ("keep", "Σ_l ∂L/∂c_il ∂(a_ij b_jl)/∂a_ij", "∵ k=i,p=jの項のみが残る"),
        ("differentiate", "Σ_l ∂L/∂c_il b_jl"),
        ("transpose", "Σ_l ∂L/∂c_il (Bᵀ)_lj")], "∂L/∂A = ∂L/∂C Bᵀ",
         added=("matrix_product",)),
    Case("001 eq. 16", "C = A @ B", "B", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂c_kl ∂c_kl/∂b_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂c_kl Σ_p ∂(a_kp b_pl)/∂b_ij"),
        ("keep", "Σ_k ∂L/∂c_kj ∂(a_ki b_ij)/∂b_ij", "∵ p=i,l=jの項のみが残る"),
        ("differentiate", "Σ_k ∂L/∂c_kj a_ki"),
        ("transpose", "Σ_k (Aᵀ)_ik ∂L/∂c_kj")], "∂L/∂B = Aᵀ ∂L/∂C",
         added=("matrix_product",)),
    Case("001 eq. 19", "C = A * B", "A", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂c_kl ∂c_kl/∂a_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂c_kl ∂(a_kl b_kl)/∂a_ij"),
        ("keep", "∂L/∂c_ij ∂(a_ij b_ij)/∂a_ij", "∵ k=i,l=jの項のみが残る"),
        ("differentiate", "∂L/∂c_ij b_ij")], "∂L/∂A = ∂L/∂C ∘ B", added=("hadamard",)),
    Case("001 eq. 20", "C = A * B", "B", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂c_kl ∂c_kl/∂b_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂c_kl ∂(a_kl b_kl)/∂b_ij"),
        ("keep", "∂L/∂c_ij ∂(a_ij b_ij)/∂b_ij", "∵ k=i,l=jの項のみが残る"),
        ("differentiate", "∂L/∂c_ij a_ij")], "∂L/∂B = ∂L/∂C ∘ A", added=("hadamard",)),
    Case("001 eq. 23", "f: elementwise\nB = f(A)", "A", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂b_kl ∂b_kl/∂a_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂b_kl ∂f(a_kl)/∂a_ij"),
        ("keep", "∂L/∂b_ij ∂f(a_ij)/∂a_ij", "∵ k=i,l=jの項のみが残る"),
        ("differentiate", "∂L/∂b_ij f′(a_ij)")], "∂L/∂A = ∂L/∂B ∘ f′(A)",
         added=("hadamard",)),
    Case("001 eqs. 26-27", "B = softmax(A)", "A", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂b_kl ∂b_kl/∂a_ij"),
        ("element_form", "Σ_k Σ_l ∂L/∂b_kl ∂(exp(a_kl)/Σ_p exp(a_kp))/∂a_ij"),
        ("keep", "Σ_l ∂L/∂b_il ∂(exp(a_il)/Σ_p exp(a_ip))/∂a_ij", "∵ k=iの項のみが残る")],
         "∂L/∂A = B ∘ (∂L/∂B − (∂L/∂B ∘ B) 𝟏𝟏ᵀ)",
         differs="the article writes the derivative b_ij (δ_jl − b_il) at once and the row "
                 "sums as diag(∂L/∂B Bᵀ); matcalc shows the quotient rule's terms, folds B "
                 "back, and writes the row sums as (∂L/∂B ∘ B) 𝟏𝟏ᵀ (the same vector)",
         tail=[("hadamard", "(∂L/∂B ∘ B)_ij − (B ∘ ((∂L/∂B ∘ B) 𝟏𝟏ᵀ))_ij"),
               ("factor", "(B ∘ (∂L/∂B − (∂L/∂B ∘ B) 𝟏𝟏ᵀ))_ij")]),
    Case("001 eq. 30", "L = cross_entropy(Y, B)", "B", [
        ("element_form", "−∂(Σ_k Σ_l y_kl log(b_kl))/∂b_ij"),
        ("linearity", "−Σ_k Σ_l y_kl ∂log(b_kl)/∂b_ij"),
        ("keep", "−y_ij ∂log(b_ij)/∂b_ij", "∵ k=i,l=jの項のみが残る"),
        ("differentiate", "−y_ij/b_ij")], "∂L/∂B = −(Y ∘ B^∘⁻¹)", added=("hadamard",)),
    Case("001 eqs. 31-32", "Y: onehot(m, n)\nB = softmax(A)\nL = cross_entropy(Y, B)", "A", [
        ("chain_rule", "Σ_k Σ_l ∂L/∂b_kl ∂b_kl/∂a_ij")], "∂L/∂A = B − Y",
         differs="the article substitutes −Y/B into the matrix form and shows that "
                 "diag((Y/B) Bᵀ) is 1 for one-hot Y; matcalc substitutes into that matrix "
                 "form entry by entry, where the same fact is Σ_p y_ip = 1",
         tail=[("entry_by_entry", "b_ij (∂L/∂b_ij − Σ_p ∂L/∂b_ip b_ip)"),
               ("substitute", "b_ij (Σ_p y_ip − y_ij/b_ij)"),
               ("distribute", "Σ_p b_ij y_ip − y_ij"),
               ("assumption", "b_ij − y_ij")]),
    Case("000 eqs. 8-10", "X: (1, n)\nW: (n, m)\nY = X @ W", "W", [
        ("chain_rule", "Σ_k ∂L/∂y_k ∂y_k/∂w_ij")], "∂L/∂W = Xᵀ ∂L/∂Y",
         differs="seed 000 keeps ∂y_j/∂w_ij before writing y's element form (seed 001, "
                 "the model, writes the element form first), and reads the matrix off "
                 "its entries written out (--expand)",
         tail=[("keep", "∂L/∂y_j ∂(x_i w_ij)/∂w_ij", "∵ p=i, k=jの項のみが残る"),
               ("differentiate", "∂L/∂y_j x_i"),
               ("transpose", "(Xᵀ)_i ∂L/∂y_j"),
               ("outer", "(Xᵀ ∂L/∂Y)_ij")]),
    Case("000 eqs. 14-15", "X: (1, n)\nW: (n, m)\nY = X @ W", "X", [
        ("chain_rule", "Σ_j ∂L/∂y_j ∂y_j/∂x_i")], "∂L/∂X = ∂L/∂Y Wᵀ",
         differs="seed 000 goes from the chain rule to Σ_j ∂L/∂y_j w_ij in one line; "
                 "matcalc shows y's element form and the term it keeps",
         tail=[("keep", "Σ_j ∂L/∂y_j ∂(x_i w_ij)/∂x_i", "∵ p=iの項のみが残る"),
               ("differentiate", "Σ_j ∂L/∂y_j w_ij"),
               ("transpose", "Σ_j (Wᵀ)_ji ∂L/∂y_j"),
               ("matrix_product", "(∂L/∂Y Wᵀ)_i")]),
]


def plain(text: str) -> str:
    """A line without its spacing and product dots: the articles set neither."""
    return text.replace("·", "").replace(" ", "")


def proof(case: Case, lang: str) -> tuple[list[dict], str]:
    d = derive(case.program, wrt=case.wrt)
    data = json.loads(d.json(lang))
    gradient = next(g for g in data["gradients"] if g["wrt"] == case.wrt)
    return gradient["steps"], gradient["text"]


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("case", CASES, ids=[c.seed for c in CASES])
def test_the_articles_lines_in_the_articles_order(case, lang):
    steps, result = proof(case, lang)
    assert plain(result) == plain(case.result)
    ours = [s for s in steps if s["reason"] not in case.added]
    shown = [(s["reason"], plain(s["text"])) for s in ours]
    expected = [(line[0], plain(line[1])) for line in case.lines]
    assert shown[:len(expected)] == expected
    if case.differs is None:
        assert len(shown) == len(expected), shown[len(expected):]
    else:  # our own route: its last lines, and nothing the article has not been told
        tail = [(line[0], plain(line[1])) for line in case.tail]
        assert shown[-len(tail):] == tail
    if lang == "ja":  # the article's own reason, (∵ k=i,p=jの項のみが残る)
        for line, step in zip(case.lines + case.tail, ours[:len(case.lines)] +
                              ours[len(ours) - len(case.tail):]):
            if len(line) == 3:
                assert plain(step["why"]) == plain(line[2])


def test_the_mlp_as_seed_001_writes_it_with_delta():
    """Eqs. 38-45: Δ ≡ ∂L/∂Z, and every weight's gradient in terms of it."""
    program = ("Y: onehot(m, c)\nb1: (h,)\nb2: (c,)\nf: elementwise\n"
               "Delta1: gradient(Z1)\nDelta2: gradient(Z2)\n"
               "Z1 = Phi1 @ W1 + b1\nPhi2 = f(Z1)\nZ2 = Phi2 @ W2 + b2\n"
               "Phi3 = softmax(Z2)\nL = cross_entropy(Y, Phi3)")
    d = derive(program, wrt="W1,b1,Phi1,W2,b2")
    lines = [plain(line) for line in d.text().split("backward pass:")[1].splitlines()]
    for expected in ["Δ1≡∂L/∂Z1=∂L/∂Φ2∘f′(Z1)",        # eq. 38
                     "∂L/∂b1=𝟏ᵀΔ1",                  # eq. 39
                     "∂L/∂W1=Φ1ᵀΔ1",                 # eq. 40
                     "∂L/∂Φ1=Δ1W1ᵀ",                 # eq. 41
                     "Δ2≡∂L/∂Z2=Φ3−Y",               # eq. 42: −(Y − Φ)
                     "∂L/∂b2=𝟏ᵀΔ2",                  # eq. 43
                     "∂L/∂W2=Φ2ᵀΔ2",                 # eq. 44
                     "∂L/∂Φ2=Δ2W2ᵀ"]:                # eq. 45
        assert expected in lines, (expected, lines)
