"""Program text → ``Program``, with Python's own ``ast`` walked under a whitelist.

The text is never evaluated: ``ast.parse`` only builds a tree, and every node type that is
not explicitly allowed below is an error that points at its column. Function names are
checked against the language's fixed set, so a typo never becomes a symbol.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from contextvars import ContextVar
from dataclasses import replace

from .. import ops
from ..errors import ParseError, UsageError
from .program import (
    Assignment,
    BinOp,
    Call,
    Declaration,
    Dim,
    Expr,
    Item,
    Name,
    Neg,
    Number,
    Pos,
    Program,
    Reshape,
    Size,
    Stack,
    Transpose,
    walk,
)

FUNCTIONS = ops.LANGUAGE  # the whitelist of callable names: the registry's operations
ASSUMPTIONS = ("symmetric", "spd", "positive", "onehot", "prob_rows")
MAX_ITEMS = 64  # entries of a vector literal
ELEMENTWISE = "elementwise"  # 'f: elementwise' declares a function
# a map's declaration, 'g: (n,) -> (m,)', at the start of a statement: '->' is no operator
# of Python's expressions, so it is read as '>>', which has its length (columns stay right)
_MAP_DECLARATION = (r"((?:^|[;\n])[ \t]*[A-Za-z_]\w*[ \t]*:[ \t]*"
                    r"(?:\([^()\n;]*\)|\w+)[ \t]*)->(?=[ \t]*(?:\([^()\n;]*\)|\w+))")
GRADIENT = "gradient"        # 'Delta: gradient(Z)' writes ∂L/∂Z as Δ
INDEX_LETTERS = frozenset("ijklpqrstuvw")  # the proofs' own letters: no gradient's name
DECLARED: ContextVar[frozenset[str]] = ContextVar("declared", default=frozenset())
RESERVED = frozenset({"np", *FUNCTIONS, *ASSUMPTIONS})

_BINOPS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.MatMult: "@",
}


def _pos(node: ast.AST) -> Pos:
    return Pos(getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1)


def _fail(message: str, node: ast.AST) -> ParseError:
    pos = _pos(node)
    return ParseError(message, pos.line, pos.col)


MAX_SOURCE = 100_000      # characters
MAX_STATEMENTS = 200      # assignments: each gets its own proof
MAX_DEPTH = 100           # nesting of one expression


def parse(source: str, shapes: dict[str, tuple[Dim, ...]] | None = None) -> Program:
    """Parse a program; ``shapes`` ({"b": ("n",)}) adds declarations.

    Programs past the limits above are refused before any work, so hostile input costs
    bounded time and memory."""
    if len(source) > MAX_SOURCE:
        raise ParseError(f"the program is {len(source):,} characters long; the limit is "
                         f"{MAX_SOURCE:,}")
    if "\x00" in source:
        raise ParseError("the program contains a NUL character")
    try:
        return _parse(source, shapes)
    except RecursionError:
        raise ParseError("the program is nested too deeply") from None


def _parse(source: str, shapes: dict[str, tuple[Dim, ...]] | None) -> Program:
    try:
        tree = ast.parse(re.sub(_MAP_DECLARATION, r"\1>>", source), mode="exec")
    except SyntaxError as error:
        message = error.msg if error.msg.startswith("invalid syntax") else \
            f"invalid syntax: {error.msg}"
        if "lambda" in source.split():  # λ written out: a Python keyword
            message += " ('lambda' is a Python keyword: write 'lam' for λ)"
        raise ParseError(message, error.lineno or 1, error.offset or 1) from None
    except (RecursionError, MemoryError):
        raise ParseError("the program is nested too deeply") from None

    declarations: list[Declaration] = []
    statements: list[Assignment] = []
    functions = _declared_functions(tree)
    maps = _declared_maps(tree, functions)
    functions += tuple(name for name, *_ in maps)
    token = DECLARED.set(frozenset(functions))
    try:
        return _program(source, tree, shapes, declarations, statements, functions, maps)
    finally:
        DECLARED.reset(token)


def _declared_functions(tree: ast.Module) -> tuple[str, ...]:
    """The names declared ``f: elementwise``: functions of one entry, left unspecified."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and node.value is None and \
                isinstance(node.annotation, ast.Name) and node.annotation.id == ELEMENTWISE:
            if not isinstance(node.target, ast.Name):
                raise _fail("only a plain name can be declared", node.target)
            name = node.target.id
            if name in FUNCTIONS:
                raise _fail(f"{name!r} is already a function of the language", node.target)
            _check_name(name, node.target)
            try:
                ops.declare(name)
            except ValueError:  # the name of one of matcalc's internal nodes
                raise _fail(f"{name!r} is a name matcalc uses for a node of its own; "
                            "choose another", node.target) from None
            found.append(name)
    return tuple(dict.fromkeys(found))


def _is_map(node: ast.AST) -> bool:
    return isinstance(node, ast.AnnAssign) and node.value is None and \
        isinstance(node.annotation, ast.BinOp) and isinstance(node.annotation.op, ast.RShift)


def _declared_maps(tree: ast.Module, functions: tuple[str, ...]) -> tuple[tuple, ...]:
    """The maps declared ``g: (n,) -> (m,)`` or ``f: (m, n) -> ()``: (name, argument
    shape, result shape), each registered with the names
    of its results (y for y = g(x), whose Jacobian is ∂y/∂x). A map is applied to a name
    and its result assigned to a name, so that its Jacobian has one: 'y = g(x)'."""
    found: dict[str, tuple] = {}
    for node in tree.body:
        if not _is_map(node):
            continue
        if not isinstance(node.target, ast.Name):
            raise _fail("only a plain name can be declared", node.target)
        name = node.target.id
        _check_name(name, node.target)
        if name in FUNCTIONS:
            raise _fail(f"{name!r} is already a function of the language", node.target)
        if name in functions or name in found:
            raise _fail(f"{name!r} is declared twice", node.target)
        sides = []
        for side in (node.annotation.left, node.annotation.right):
            elts = side.elts if isinstance(side, ast.Tuple) else [side]
            sides.append(tuple(_dim(e) for e in elts))
        arg, out = sides
        if len(arg) > 2 or len(out) > 1 or (out and len(arg) != 1):
            raise _fail("a map goes from a vector to a vector, 'g: (n,) -> (m,)', or to a "
                        "scalar from a scalar, a vector or a matrix, 'f: (m, n) -> ()'",
                        node.annotation)
        dims = [arg, out]
        found[name] = (name, *dims)
    if not found:
        return ()
    outputs: dict[str, dict[str, str]] = {name: {} for name in found}
    top = {id(node.value): node for node in tree.body if isinstance(node, ast.Assign)}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and
                node.func.id in found):
            continue
        if len(node.args) != 1 or node.keywords:
            raise _fail(f"{node.func.id}() takes one argument, got "
                        f"{len(node.args) + len(node.keywords)}", node)
        statement = top.get(id(node))
        if statement is None or not isinstance(node.args[0], ast.Name) or \
                len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            raise _fail(f"a map is applied to a name and its result given a name, e.g. "
                        f"'y = {node.func.id}(x)'", node)
        outputs[node.func.id].setdefault(node.args[0].id, statement.targets[0].id)
    for name, arg, out in found.values():
        try:
            ops.declare_map(name, arg, out, outputs[name])
        except ValueError:  # the name of one of matcalc's internal nodes
            raise _fail(f"{name!r} is a name matcalc uses for a node of its own; choose "
                        "another", tree) from None
    return tuple(found.values())


def _alias(node: ast.AnnAssign) -> tuple[str, str]:
    """``Delta1: gradient(Z1)``: the gradient of Z1 is written Δ1 (a notation only)."""
    call = node.annotation
    if not isinstance(node.target, ast.Name):
        raise _fail("only a plain name can be declared", node.target)
    _check_name(node.target.id, node.target)
    if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.Name):
        raise _fail("gradient() takes the name whose gradient it writes, e.g. "
                    "'Delta: gradient(Z)'", call)
    return call.args[0].id, node.target.id


def _program(source, tree, shapes, declarations, statements, functions, maps) -> Program:
    aliases: list[tuple[str, str]] = []
    assignments = sum(isinstance(node, ast.Assign) for node in tree.body)
    if assignments > MAX_STATEMENTS:
        raise ParseError(f"the program has {assignments:,} statements; the limit is "
                         f"{MAX_STATEMENTS}")
    for node in tree.body:
        if _depth(node) > MAX_DEPTH:
            raise _fail(f"this statement is nested more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, ast.AnnAssign) and node.value is None:
            if isinstance(node.annotation, ast.Name) and node.annotation.id == ELEMENTWISE or \
                    _is_map(node):
                continue  # a declared function (``_declared_functions``, ``_declared_maps``)
            if isinstance(node.annotation, ast.Call) and \
                    isinstance(node.annotation.func, ast.Name) and \
                    node.annotation.func.id == GRADIENT:
                aliases.append(_alias(node))
                continue
            declarations.append(_declaration(node))
        elif isinstance(node, ast.Assign):
            statements.append(_assignment(node))
        else:
            raise _fail(_PYTHON_HABITS.get(type(node), "expected a declaration 'X: (m, n)' "
                                           "or an assignment 'Y = ...'"), node)
    seen: dict[str, Declaration] = {}
    for decl in declarations:
        if decl.name in seen and seen[decl.name].shape != decl.shape:
            raise ParseError(f"{decl.name} is declared twice with different shapes",
                             decl.pos.line, decl.pos.col)
        seen[decl.name] = decl
    names = _all_names(statements)
    for name, given in (shapes or {}).items():
        shape = _given_shape(name, given)
        if name not in names:
            raise UsageError("no such name in the program", option="shapes", value=name)
        if name in seen and seen[name].shape != shape:
            raise UsageError(f"contradicts the declaration of {name} in the program",
                             option="shapes", value=name)
        declarations = [d for d in declarations if d.name != name]
        declarations.append(Declaration(name, shape, None, Pos(1, 1)))
    if not statements:
        raise ParseError("the program has no assignment: write e.g. 'C = A @ B'")
    statements = _sizes_as_numbers(declarations, statements)
    for name in functions:
        if name in names:
            raise ParseError(f"{name!r} is declared a function and used as a name; rename one")
    dims = {d for decl in declarations for d in decl.shape if isinstance(d, str)}
    taken: dict[str, str] = {}
    for of, alias in aliases:
        if of not in names:
            raise ParseError(f"gradient({of}): no such name in the program")
        if alias in names or alias in functions or alias in dims or \
                alias.lower() in INDEX_LETTERS or alias == "L":
            raise ParseError(f"{alias!r} writes the gradient of {of} and is also a name, a "
                             "dimension, an index letter or the loss; choose another")
        if alias in taken or of in taken.values():
            raise ParseError(f"{alias!r}: one name per gradient, and one gradient per name")
        taken[alias] = of
    return Program(source, tuple(declarations), tuple(statements), functions,
                   tuple(dict(aliases).items()), maps, ops.declared_records(functions))


def _sizes_as_numbers(declarations: list[Declaration],
                      statements: list[Assignment]) -> list[Assignment]:
    """A declared dimension read as a name is that number: in ``X: (m, n)`` and
    ``sum(X) / (m * n)``, m is X.shape[0]. Its value is read off the first input that
    declares it (an intermediate's value would not be there yet)."""
    targets = {s.target for s in statements}
    declared = {d.name for d in declarations}
    witness: dict[str, tuple[str, int]] = {}
    for decl in declarations:
        for axis, d in enumerate(decl.shape):
            if isinstance(d, str) and decl.name not in targets:
                witness.setdefault(d, (decl.name, axis))
    dims = {d for decl in declarations for d in decl.shape if isinstance(d, str)}
    dims |= {d for s in statements for node in walk(s.value) if isinstance(node, Reshape)
             for d in node.dims if isinstance(d, str)}
    for name in dims & (declared | targets):
        raise ParseError(f"{name!r} names both a dimension and a matrix; rename one")

    def rewrite(node: Expr) -> Expr:
        if isinstance(node, Name) and node.id in dims:
            if node.id not in witness:
                raise ParseError(f"the dimension {node.id!r} is used as a number, but no "
                                 "input is declared with it in its shape",
                                 node.pos.line, node.pos.col)
            return Size(node.id, *witness[node.id], node.pos)
        # each node with its children rewritten and every other field kept as it is
        # (a field left out here once lost X.transpose(0, 2, 1)'s axes)
        if isinstance(node, BinOp):
            return replace(node, left=rewrite(node.left), right=rewrite(node.right))
        if isinstance(node, (Neg, Transpose, Reshape)):
            return replace(node, operand=rewrite(node.operand))
        if isinstance(node, Call):
            return replace(node, args=tuple(map(rewrite, node.args)))
        if isinstance(node, Stack):
            return replace(node, items=tuple(map(rewrite, node.items)))
        if isinstance(node, Item):
            return replace(node, of=rewrite(node.of))
        return node

    if not dims:
        return statements
    out = []
    for statement in statements:  # a dimension a reshape names: read off its result after it
        out.append(Assignment(statement.target, rewrite(statement.value), statement.pos))
        for d, axis in _reshaped_axes(statement.value).items():
            witness.setdefault(d, (statement.target, axis))
    return out


def _reshaped_axes(value: Expr) -> dict[str, int]:
    """The dimensions a statement's reshape names, by their axis in its result: Q =
    Y.reshape(b, t, h, k) has h at axis 2; its .transpose(0, 2, 1, 3), at axis 1."""
    order = None
    if isinstance(value, Transpose) and value.axes is not None and \
            isinstance(value.operand, Reshape):
        order, value = value.permutation(len(value.operand.dims)), value.operand
    if not isinstance(value, Reshape) or order is None and isinstance(value, Transpose):
        return {}
    at = {d: a for a, d in enumerate(value.dims) if isinstance(d, str)}
    return {d: (order.index(a) if order else a) for d, a in at.items()}


def _given_shape(name: str, shape) -> tuple[Dim, ...]:
    """A shape given beside the program ({"X": ("m", "n")}): dimensions, each a
    positive integer or a dimension name, checked as a declaration in the text would be."""
    if not isinstance(name, str) or not name.isidentifier():
        raise UsageError("a name must be an identifier", option="shapes", value=name)
    try:
        _check_name(name, None)
    except ParseError as error:
        raise UsageError(error.message, option="shapes", value=name) from None
    if isinstance(shape, str) or not isinstance(shape, (tuple, list)):
        raise UsageError("a shape is a tuple of dimensions, e.g. ('m', 'n'), ('n',) or ()",
                         option="shapes", value=name)
    for d in shape:
        fine = (type(d) is int and d >= 1) or (isinstance(d, str) and d.isidentifier()
                                                 and not d.startswith("_"))
        if not fine:
            raise UsageError(f"{d!r} is not a dimension (a positive integer or a name)",
                             option="shapes", value=name)
    return tuple(shape)


def _depth(node: ast.AST) -> int:
    """Nesting depth, counted without recursion (a deep tree must not blow the stack)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(current))
    return deepest


def _all_names(statements: list[Assignment]) -> set[str]:
    from .program import names_in
    found = {s.target for s in statements}
    for statement in statements:
        found.update(names_in(statement.value))
    return found


def _check_name(name: str, node: ast.AST | None) -> None:
    problem = None
    if name.startswith("_"):
        problem = f"names may not start with '_': {name!r}"
    elif name in RESERVED:
        problem = f"{name!r} is reserved and cannot name a matrix"
    elif keyword.iskeyword(name):
        problem = f"{name!r} is a Python keyword and cannot name a matrix" + \
            (" (write 'lam' for λ)" if name == "lambda" else "")
    if problem:
        if node is None:
            raise ParseError(problem)
        raise _fail(problem, node)


def _declaration(node: ast.AnnAssign) -> Declaration:
    if not isinstance(node.target, ast.Name):
        raise _fail("only a plain name can be declared", node.target)
    name = node.target.id
    _check_name(name, node.target)
    annotation = node.annotation
    assumption = None
    if isinstance(annotation, ast.Call) and isinstance(annotation.func, ast.Name):
        assumption = annotation.func.id
        if assumption not in ASSUMPTIONS:
            raise _fail(f"unknown assumption {assumption!r}; known: {', '.join(ASSUMPTIONS)}",
                        annotation.func)
        if annotation.keywords:
            raise _fail("an assumption takes only dimensions", annotation)
        dims = annotation.args
    elif isinstance(annotation, ast.Tuple):
        dims = annotation.elts
    elif isinstance(annotation, (ast.Name, ast.Constant)):
        dims = [annotation]
    else:
        raise _fail("a shape is a tuple of dimensions, e.g. (m, n), (n,) or ()", annotation)
    return Declaration(name, tuple(_dim(d) for d in dims), assumption, _pos(node))


def _dim(node: ast.expr) -> Dim:
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise _fail(f"{node.id!r} is not a valid dimension name", node)
        return node.id
    if isinstance(node, ast.Constant) and type(node.value) is int and node.value >= 1:
        return node.value
    raise _fail("a dimension is a name or a positive integer", node)


def _assignment(node: ast.Assign) -> Assignment:
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        raise _fail("assign to a single name, e.g. 'C = A @ B'", node)
    target = node.targets[0].id
    _check_name(target, node.targets[0])
    return Assignment(target, _expr(node.value), _pos(node))


def _expr(node: ast.expr) -> Expr:
    """One rule per allowed node type; everything else is refused where it stands."""
    if isinstance(node, ast.Name):
        _check_name(node.id, node)
        return Name(node.id, _pos(node))
    if isinstance(node, ast.Constant):
        if type(node.value) in (int, float):
            if not math.isfinite(node.value):
                raise _fail(f"the number {node.value!r} is not finite", node)
            return Number(node.value, _pos(node))
        raise _fail(f"only numbers are allowed as constants, not {type(node.value).__name__}",
                    node)
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if isinstance(node.op, ast.BitXor):
            raise _fail("use ** for powers, e.g. X ** 2 (^ is Python's exclusive or)", node)
        if op is None:
            raise _fail(f"operator {type(node.op).__name__} is not supported", node)
        return BinOp(op, _expr(node.left), _expr(node.right), _pos(node))
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            return Neg(_expr(node.operand), _pos(node))
        if isinstance(node.op, ast.UAdd):
            return _expr(node.operand)
        raise _fail(f"unary {type(node.op).__name__} is not supported", node)
    if isinstance(node, ast.Attribute):
        if node.attr not in ("T", "mT"):
            raise _fail(f"attribute '.{node.attr}' is not allowed; only '.T' (transpose) is",
                        node)
        return Transpose(_expr(node.value), _pos(node), "." + node.attr)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in ("swapaxes", "transpose"):
        return _transpose_call(node)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr == "reshape":
        return _reshape_call(node)
    if isinstance(node, ast.Call):
        return _call(node)
    if isinstance(node, ast.Subscript):  # x[0], (D @ w)[1]: an entry of a vector, by a number
        if not (isinstance(node.slice, ast.Constant) and type(node.slice.value) is int
                and node.slice.value >= 0):
            raise _fail("only an entry of a vector by a number from 0 is allowed, e.g. x[0] "
                        "(no slices, no negative positions)", node)
        return Item(_expr(node.value), node.slice.value, _pos(node))
    if isinstance(node, ast.List):  # [e0, e1, …]: a vector of scalars; [[a, b], [c, d]]
        return _literal(node)
    raise _fail(f"{type(node).__name__} is not allowed in matcalc programs", node)


def _transpose_call(node: ast.Call) -> Transpose:
    """X.swapaxes(-1, -2), X.transpose(), X.transpose(1, 0): Xᵀ for a matrix (the last two
    axes of a stack); X.swapaxes(1, 2), X.transpose(0, 2, 1, 3): numpy's own, whose
    permutation the shape rule checks against the operand's axes."""
    method = node.func.attr
    try:
        axes = tuple(ast.literal_eval(a) for a in node.args)
    except ValueError:
        axes = None
    flat = axes[0] if axes is not None and len(axes) == 1 and isinstance(axes[0], tuple) \
        else axes  # transpose((0, 2, 1)) as transpose(0, 2, 1)
    if node.keywords or flat is None or not all(type(a) is int for a in flat) or \
            (method == "swapaxes" and len(flat) != 2):
        shown = "X.swapaxes(1, 2)" if method == "swapaxes" else "X.transpose(0, 2, 1)"
        raise _fail(f"{method}() takes the axes as integers, e.g. {shown}", node)
    written = f".{method}({', '.join(map(str, flat))})"
    last_two = flat in ((-1, -2), (-2, -1), ())  # .swapaxes(-1, -2); .transpose()
    return Transpose(_expr(node.func.value), _pos(node), written,
                     None if last_two else tuple(flat))


def _reshape_call(node: ast.Call) -> Reshape:
    """X.reshape(b, t, h, k), X.reshape((b, t, d)): the new shape as dimension names, numbers
    and at most one -1 (numpy's: the length left over)."""
    given = node.args[0].elts if len(node.args) == 1 and isinstance(node.args[0], ast.Tuple) \
        else node.args
    dims: list = []
    for arg in given:
        if isinstance(arg, ast.Name):
            dims.append(arg.id)
        elif isinstance(arg, ast.Constant) and type(arg.value) is int and arg.value > 0:
            dims.append(arg.value)
        elif isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub) and \
                isinstance(arg.operand, ast.Constant) and arg.operand.value == 1:
            dims.append(-1)
        else:
            raise _fail("reshape() takes the new shape as dimension names, numbers and one "
                        "-1, e.g. X.reshape(b, t, h, k)", arg)
    if node.keywords or not dims or dims.count(-1) > 1:
        raise _fail("reshape() takes the new shape as dimension names, numbers and one "
                    "-1, e.g. X.reshape(b, t, h, k)", node)
    return Reshape(_expr(node.func.value), tuple(dims), _pos(node))


def _literal(node: ast.List) -> Stack:
    """[e0, e1, …], a vector of scalars, or [[a, b], [c, d]], a matrix written row by row
    (seed 004's R(θ)): every row a list of the same length, no deeper nesting."""
    if not node.elts or len(node.elts) > MAX_ITEMS:
        raise _fail(f"a vector literal has 1 to {MAX_ITEMS} entries", node)
    rows = [isinstance(e, ast.List) for e in node.elts]
    if not any(rows):
        return Stack(tuple(_expr(e) for e in node.elts), _pos(node))
    if not all(rows):
        odd = node.elts[rows.index(False)]
        raise _fail("a matrix literal is a list of rows, each a list: [[a, b], [c, d]]", odd)
    width = len(node.elts[0].elts)
    for row in node.elts:
        if len(row.elts) != width:
            raise _fail(f"the rows of a matrix literal have the same length: the first has "
                        f"{width} entries, this one {len(row.elts)}", row)
        if not row.elts or len(row.elts) > MAX_ITEMS:
            raise _fail(f"a row of a matrix literal has 1 to {MAX_ITEMS} entries", row)
        for entry in row.elts:
            if isinstance(entry, ast.List):
                raise _fail("a matrix literal has two levels of brackets, [[a, b], [c, d]]; "
                            "its entries are scalars", entry)
    return Stack(tuple(Stack(tuple(_expr(e) for e in row.elts), _pos(row))
                       for row in node.elts), _pos(node))


def _axis(node: ast.expr) -> int | tuple[int, ...] | None:
    """An axis written as an integer literal (-1: the last), or a tuple of them (numpy's
    axis=(2, 3)), else None. Whether the array has that axis is the shape rule's to say."""
    if isinstance(node, ast.Tuple):
        axes = [_axis(e) for e in node.elts]
        if not axes or any(not isinstance(a, int) for a in axes):
            return None
        return axes[0] if len(axes) == 1 else tuple(axes)
    sign = 1
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        sign, node = -1, node.operand
    if isinstance(node, ast.Constant) and type(node.value) is int and abs(node.value) < 64:
        return sign * node.value
    return None


# what a line of Python means to do, said as matcalc expects it
_PYTHON_HABITS = {
    ast.Import: "a program needs no import: matcalc's functions are numpy's without np., "
                "e.g. 'Y = exp(X)'",
    ast.ImportFrom: "a program needs no import: matcalc's functions are numpy's without "
                    "np., e.g. 'Y = exp(X)'",
    ast.AugAssign: "write a new name for the new value, e.g. 'H2 = H + …' for 'H += …': "
                   "each name is assigned once",
    ast.FunctionDef: "a program defines no functions: write their statements out, or "
                     "declare an unknown one as 'f: elementwise'",
    ast.Return: "a program returns nothing: its last assignment is the output",
    ast.For: "a program has no loops: write each step as its own statement",
    ast.While: "a program has no loops: write each step as its own statement",
    ast.If: "a program has no conditions: a function with a kink (see --help) says where "
            "a value switches",
    ast.Expr: "an expression alone computes nothing: assign it, e.g. 'L = …'",
}


def _call(node: ast.Call) -> Call:
    if not isinstance(node.func, ast.Name):
        raise _fail(_not_a_function(node.func), node.func)
    func = node.func.id
    if func not in FUNCTIONS and func not in DECLARED.get():
        import difflib
        near = difflib.get_close_matches(func, [*FUNCTIONS, *DECLARED.get()], n=1)
        hint = f"did you mean {near[0]}? " if near else ""
        raise _fail(f"unknown function {func!r}; {hint}known: {', '.join(FUNCTIONS)} (or "
                    f"declare it: '{func}: elementwise')", node.func)
    op = ops.get(func)
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise _fail("starred arguments are not allowed", node)
    axis, keepdims, options = None, False, []
    for keyword_arg in node.keywords:
        value = keyword_arg.value
        if keyword_arg.arg in op.keywords and keyword_arg.arg not in ("axis", "keepdims"):
            least = 0 if keyword_arg.arg == "padding" else 1
            if not (isinstance(value, ast.Constant) and type(value.value) is int
                    and value.value >= least):
                raise _fail(f"{keyword_arg.arg} must be an integer of at least {least}, e.g. "
                            f"{keyword_arg.arg}={least + 1}", value)
            options.append((keyword_arg.arg, value.value))
        elif "axis" in op.keywords and keyword_arg.arg == "axis":
            axis = _axis(value)
            if axis is None:
                raise _fail("axis must be an integer (-1: the last axis) or a tuple of "
                            "integers, e.g. axis=(2, 3)", value)
        elif "keepdims" in op.keywords and keyword_arg.arg == "keepdims":
            if not (isinstance(value, ast.Constant) and type(value.value) is bool):
                raise _fail("keepdims must be True or False", value)
            keepdims = value.value
        else:
            raise _fail(f"{func}() takes no such keyword argument", keyword_arg.value)
    spec, operands = _subscripts(func, node) if op.subscripts else (None, node.args)
    args = tuple(_expr(arg) for arg in operands)
    if "axis" in op.keywords and len(args) == 2 and axis is None and \
            _axis(node.args[1]) is not None:
        axis, args = _axis(node.args[1]), args[:1]
    wanted = op.arity
    if wanted and len(args) != wanted:
        raise _fail(f"{func}() takes {'two arguments' if wanted == 2 else 'one argument'}, "
                    f"got {len(args)}", node)
    return Call(func, args, axis, _pos(node), keepdims, spec, tuple(options))


def _subscripts(func: str, node: ast.Call) -> tuple[str, list[ast.expr]]:
    """einsum("ij,jk->ik", A, B): the subscripts (checked against the operands' count)
    and the operands."""
    from ..ops.einsum import Subscripts
    first = node.args[0] if node.args else node
    if not (node.args and isinstance(first, ast.Constant) and isinstance(first.value, str)):
        raise _fail(f"{func}() takes its subscripts first, as a string: "
                    f"'{func}(\"ij,jk->ik\", A, B)'", first)
    if len(node.args) < 2:
        raise _fail(f"{func}() needs at least one operand after its subscripts", node)
    try:
        Subscripts(first.value, len(node.args) - 1)
    except ValueError as error:
        raise _fail(str(error), first) from None
    return first.value, node.args[1:]


def _not_a_function(func: ast.expr) -> str:
    """Why a call of something other than a function's name is refused, and what to write:
    np.exp(X) → exp(X), X.sum() → sum(X)."""
    if isinstance(func, ast.Attribute):
        root, parts = func, []
        while isinstance(root, ast.Attribute):
            parts.insert(0, root.attr)
            root = root.value
        if isinstance(root, ast.Name) and root.id in ("np", "numpy", "jnp", "torch", "math"):
            name = ops.numpy_names().get(".".join(parts), parts[-1])
            if name in FUNCTIONS:
                return (f"write {name}(…): matcalc's functions are numpy's without "
                        f"{root.id}. ({'.'.join([root.id, *parts])} is {name})")
            return (f"{'.'.join([root.id, *parts])} is not a function of matcalc; its "
                    f"functions are numpy's without np.: {', '.join(FUNCTIONS)}")
        if func.attr in FUNCTIONS:
            return (f"write {func.attr}(…) with the array as its argument, e.g. "
                    f"{func.attr}(X) for X.{func.attr}(): matcalc calls functions, not methods")
    return "only the functions of the language can be called"
