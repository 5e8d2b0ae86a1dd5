"""Small wrong variants of a numpy formula, made by rewriting its syntax tree: the mistakes
people make when they derive a gradient by hand.

    mask      a mask dropped: a factor np.heaviside(Z, 0.0), np.sign(r), step(Z) or Z > 0
              of a product left out (elsewhere the mask's argument stands in its place)
    factor    a factor of a product (*, / or @) left out
    term      a term of a sum left out (a − b → a, or −b)
    transpose a .T dropped, or one added to a name
    sign      a sign flipped: −x → x, a − b → a + b, the whole formula negated
    swap      the operands of @ exchanged
    constant  a number replaced (2 → 1, 1 → 2)

``mutants(formula)`` gives (kind, variant) pairs, each variant once and never the formula
itself. Whether a variant is wrong is for the caller to find out: some are the same
function (a .T on a symmetric matrix, a mask that is never 0), some do not run.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator

MASKS = frozenset({"heaviside", "sign", "step"})


def _is_mask(node: ast.AST) -> bool:
    if isinstance(node, ast.Compare):
        return True
    return isinstance(node, ast.Call) and _called(node) in MASKS


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _places(tree: ast.AST) -> list[tuple[ast.AST, ast.AST | None, str | None, int | None]]:
    """(node, parent, field, position in the field's list) for every node, in a fixed
    order, so that the k-th place of a copy of the tree is the k-th place of the tree."""
    found = []

    def visit(node, parent, name, position):
        found.append((node, parent, name, position))
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        visit(item, node, field, k)
            elif isinstance(value, ast.AST):
                visit(value, node, field, None)

    visit(tree, None, None, None)
    return found


def _frozen(tree: ast.AST) -> set[int]:
    """Ids of the nodes no mutation touches: keyword values (axis=1), subscripts
    (X.shape[1]), the value at 0 of np.heaviside, the target of a walrus, the module np,
    and the operand of .shape."""
    frozen: set[int] = set()
    for node in ast.walk(tree):
        parts = []
        if isinstance(node, ast.keyword):
            parts.append(node.value)
        elif isinstance(node, ast.Subscript):
            parts.append(node.slice)
        elif isinstance(node, ast.Call) and _called(node) == "heaviside":
            parts.extend(node.args[1:])
        elif isinstance(node, ast.NamedExpr):
            parts.append(node.target)
        elif isinstance(node, ast.Attribute) and node.attr == "shape":
            parts.append(node.value)
        elif isinstance(node, ast.Name) and node.id == "np":
            parts.append(node)
        elif isinstance(node, ast.Call):
            frozen.add(id(node.func))  # the callee; a method's object stays open
            if not isinstance(node.func, ast.Attribute) or _rooted_at_np(node.func):
                parts.append(node.func)
        for part in parts:
            frozen.update(id(n) for n in ast.walk(part))
    return frozen


def _rooted_at_np(node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "np"


def _int_axis(node: ast.Call) -> int | None:
    """The axis of x.sum(axis=k), when it is one integer."""
    for k in node.keywords:
        if k.arg == "axis" and isinstance(k.value, ast.Constant) and \
                type(k.value.value) is int:
            return k.value.value
    return None


def _neg(node: ast.expr) -> ast.expr:
    return ast.UnaryOp(op=ast.USub(), operand=node)


def _rules(node: ast.AST, parent: ast.AST | None) -> list[tuple[str, Callable]]:
    """What may be done to this node: (kind, the node → its replacement)."""
    rules: list[tuple[str, Callable]] = []
    if isinstance(node, ast.BinOp):
        op = node.op
        if isinstance(op, ast.Mult) and (_is_mask(node.left) or _is_mask(node.right)):
            keep = "right" if _is_mask(node.left) else "left"
            rules.append(("mask", lambda n, keep=keep: getattr(n, keep)))
        if isinstance(op, (ast.Mult, ast.MatMult)):
            rules += [("factor", lambda n: n.left), ("factor", lambda n: n.right)]
        if isinstance(op, ast.Div):
            rules.append(("factor", lambda n: n.left))
        if isinstance(op, ast.Add):
            rules += [("term", lambda n: n.left), ("term", lambda n: n.right),
                      ("sign", lambda n: ast.BinOp(n.left, ast.Sub(), n.right))]
        if isinstance(op, ast.Sub):
            rules += [("term", lambda n: n.left), ("term", lambda n: _neg(n.right)),
                      ("sign", lambda n: ast.BinOp(n.left, ast.Add(), n.right))]
        if isinstance(op, ast.MatMult):
            rules.append(("swap", lambda n: ast.BinOp(n.right, ast.MatMult(), n.left)))
    elif _is_mask(node) and not (isinstance(parent, ast.BinOp) and
                                 isinstance(parent.op, ast.Mult)):
        argument = node.left if isinstance(node, ast.Compare) else node.args[0]
        if argument is not None:
            rules.append(("mask", lambda n: n.left if isinstance(n, ast.Compare)
                          else n.args[0]))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        rules.append(("sign", lambda n: n.operand))
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        rules.append(("transpose", lambda n: n.value))
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr == "swapaxes":  # a stack's transpose dropped
        rules.append(("transpose", lambda n: n.func.value))
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr == "sum" and _int_axis(node) is not None:  # summed over another axis
        rules.append(("axis", lambda n: ast.Call(n.func, n.args, [
            ast.keyword("axis", ast.Constant(1 if _int_axis(n) == 0 else 0))
            if k.arg == "axis" else k for k in n.keywords])))
    elif isinstance(node, ast.Name) and not (isinstance(parent, ast.Attribute)
                                             and parent.attr == "T"):
        rules.append(("transpose", lambda n: ast.Attribute(n, "T", ast.Load())))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        other = 2 if node.value == 1 else 1
        rules.append(("constant", lambda n, other=other: ast.Constant(other)))
    return rules


def mutants(formula: str) -> Iterator[tuple[str, str]]:
    """Every single-edit variant of the formula, as (kind, numpy text), each text once."""
    tree = ast.parse(formula, mode="eval")
    original = ast.unparse(tree)
    seen = {original}
    frozen = _frozen(tree)
    places = _places(tree)
    made = []
    for k, (node, parent, _, _) in enumerate(places):
        if id(node) in frozen or isinstance(node, ast.Expression):
            continue
        for kind, rule in _rules(node, parent):
            twin = copy.deepcopy(tree)
            target, twin_parent, field, position = _places(twin)[k]
            new = rule(target)
            if position is None:
                setattr(twin_parent, field, new)
            else:
                getattr(twin_parent, field)[position] = new
            made.append((kind, ast.unparse(ast.fix_missing_locations(twin))))
    made.append(("sign", ast.unparse(_neg(tree.body))))
    for kind, text in made:
        if text not in seen:
            seen.add(text)
            yield kind, text


def closed(formula: str, gradients: dict[str, str]) -> str:
    """The formula with each named gradient dZ read in it replaced by its numpy code
    ``gradients[dZ]`` (an expression over the program's names and the upstream gradient),
    so that it runs where only those are known."""
    tree = ast.parse(formula, mode="eval")

    class Put(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id in gradients:
                return ast.parse(gradients[node.id], mode="eval").body
            return node

    return ast.unparse(ast.fix_missing_locations(Put().visit(tree)))
