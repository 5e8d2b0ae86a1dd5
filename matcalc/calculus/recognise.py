"""Index form → matrix form, reading each collapsed term as a graph.

A term is a coefficient, a product of factors and some summed indices. Each factor is an
edge: a matrix entry m_ab runs from node a to node b (walked backwards it is Mᵀ); a vector
entry v_a runs from a to a dangling end (``None``); summed indices are inner nodes, the free
indices (i, j) are the two ends. The rewrites, each a proof step with its reason:

    Σ_l g_il (Bᵀ)_lj = (G Bᵀ)_ij              inner node on a path: matrix product
    g_ij b_ij        = (G ∘ B)_ij             parallel edges: Hadamard product
    Σ_k g_kj         = (𝟏ᵀ G)_j               inner node on one edge: sum with the ones vector
    u_i v_j          = (u vᵀ)_ij              two dangling ends: outer product
    u_i              = (u 𝟏ᵀ)_ij              a free index nothing touches: broadcast
    Σ_p m_pp         = tr M                   a closed cycle: trace
    δ_ij             = I_ij                   identity

A term left with a node of three or more edges has no matrix form; that is reported, never
guessed.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

import sympy
from sympy import (
    Add,
    DiagonalOf,
    Expr,
    HadamardPower,
    HadamardProduct,
    Identity,
    Integer,
    KroneckerDelta,
    MatAdd,
    MatMul,
    Mul,
    OneMatrix,
    Pow,
    S,
    Sum,
    Trace,
    Transpose,
    Tuple,
)

from .. import ops
from ..errors import NoMatrixForm
from ..index.symbols import (
    UPSTREAMS,
    Apply,
    BatchSum,
    Element,
    Index,
    IndexSum,
    Pick,
    RowEntry,
    Slice,
    TensorSymbol,
    affine,
    fresh_index,
    holds_stack,
    indices_of,
    literal_grid,
    row_index,
    stacked,
    substitute_all,
)
from .collapse import Term
from .matrices import SYMMETRIC, USED, hadamard, matmul, scale, transpose
from .proof import Proof, Reason, Step
from .views import read_as_views

Node = Index | None
ANY = object()  # an end that orient() may leave as it is


# ---------------------------------------------------------------- terms as graphs

@dataclass(frozen=True)
class Edge:
    matrix: Expr
    left: Node
    right: Node

    def flipped(self) -> Edge:
        return Edge(transpose(self.matrix), self.right, self.left)

    def ends(self) -> tuple[Node, Node]:
        return (self.left, self.right)

    def element(self) -> Expr:
        return Element(self.matrix, self.left if self.left is not None else 0,
                       self.right if self.right is not None else 0)


@dataclass
class Graph:
    coeff: Expr
    edges: list[Edge]
    sums: dict[Index, tuple]

    def expr(self) -> Expr:
        factors = [e.element() for e in self.edges]
        if self.coeff != 1 or not factors:
            factors.insert(0, self.coeff)
        body = factors[0] if len(factors) == 1 else Mul(*factors, evaluate=False)
        return IndexSum(body, *self.sums.values()) if self.sums else body

    def degree(self, node: Index) -> list[int]:
        """The edges at a node, an edge once per end it has there (a loop m_pp twice)."""
        return self.incidence().get(node, [])

    def incidence(self) -> dict[Node, list[int]]:
        """degree() of every node at once: one pass over the edges."""
        at: dict[Node, list[int]] = {}
        for n, edge in enumerate(self.edges):
            for end in edge.ends():
                at.setdefault(end, []).append(n)
        return at


class TermRecogniser:
    """Rewrites one term to coeff · M, recording (reason, index form) after each rewrite."""

    def __init__(self, term: Term, free: tuple[Index, ...], dims: dict[Index, Expr],
                 labels: frozenset = frozenset()):
        self.labels = labels  # a stack's leading indices, inside its slices (``peel``)
        self.dims = dict(dims)
        for index, low, high in term.sums:
            self.dims[index] = high - low + 1
        self.unit = {i for i, d in self.dims.items() if d == 1}
        self.free = free
        self.target = (self._node(free[0]) if free else None,
                       self._node(free[1]) if len(free) > 1 else None)
        self.history: list[Step] = []
        self.flipped: list[Expr] = []  # the matrices flipped since the last step
        self.path_oriented = False
        self.sums = {limit[0]: limit for limit in term.sums if limit[0] not in self.unit}
        coeff, edges = S.One, []
        at_zero = {index: Integer(0) for index in self.unit}  # a range of one is 0 alone
        for factor in term.factors:
            if not isinstance(factor, Element) and at_zero and self.indices(factor) & self.unit:
                factor = substitute_all(factor, at_zero)  # (1 − y_i), i of size 1: (1 − y_0)
            edge = self._edge(factor)
            if isinstance(edge, Edge):
                edges.append(edge)
            else:
                coeff *= edge
        self.graph = Graph(term.coeff * coeff, edges, self.sums)

    def indices(self, expr: Expr) -> set[Index]:
        """The free indices of a factor, less the labels of the slices in it."""
        found = indices_of(expr)
        return found - self.labels if self.labels else found

    # -- classification of factors

    def _node(self, index: Expr) -> Node:
        if index in self.unit or index == 0:
            return None
        if isinstance(index, Index):
            return index
        raise NoMatrixForm(f"an entry with a fixed index ({index}) has no matrix form")

    def _end(self, index: Expr, size: Expr, other: Expr = S.Zero) -> Node:
        """An axis of length 1 is no node; a numbered position on a longer axis beside a
        running index (d_1i, from (D @ h)[0]) has no matrix form, even at 0, which is not
        the unit axis's 0."""
        if size == 1:
            return None
        if index.is_Integer and not other.is_Integer:
            raise NoMatrixForm(f"an entry with a fixed index ({index}) has no matrix form")
        return self._node(index)

    def _edge(self, factor: Expr) -> Edge | Expr:
        if isinstance(factor, Element) and isinstance(factor.matrix, TensorSymbol):
            raise NoMatrixForm("an entry of a stack is read along a sum of its own")
        if isinstance(factor, Element):
            rows, cols = factor.matrix.shape
            left = self._end(factor.row, rows, factor.col)
            right = self._end(factor.col, cols, factor.row)
            if left is not None and left == right and left not in self.sums:
                return Edge(DiagonalOf(factor.matrix), left, None)  # m_ii = diag(M)_i
            return Edge(factor.matrix, left, right)
        if isinstance(factor, KroneckerDelta):
            a, b = (self._node(x) for x in factor.args)
            if a is None and b is None:  # two indices of size 1: both are 0
                return S.One
            if a is None or b is None:
                raise NoMatrixForm("a Kronecker delta picks one entry of a vector")
            return Edge(Identity(self.dims[a]), a, b)
        grid = literal_grid(factor)
        if grid is not None:  # ((a, b)_q, (c, d)_q)_p: entry (p, q) of a matrix written out
            matrix = sympy.ImmutableMatrix([[self._scalar(e) for e in row] for row in grid])
            row, col = factor.args[0], factor.args[1].args[0]
            return Edge(matrix, self._end(row, matrix.rows, col),
                        self._end(col, matrix.cols, row))
        if isinstance(factor, Pick) and not self.indices(Tuple(*factor.args[1:])):
            # (e_0, e_1, …)_p: entry p of the vector written out, a column of scalars
            column = sympy.ImmutableMatrix([self._scalar(e) for e in factor.args[1:]])
            return Edge(column, self._end(factor.args[0], column.rows), None)
        nodes = sorted(self.indices(factor) - self.unit, key=_first_use(factor))
        if not nodes:
            return self._scalar(factor)
        rows = [s.at for s in factor.atoms(*ops.rowwise_nodes()) if s.at in nodes]
        if rows and len(nodes) == 2:  # a row-wise entry runs along its row: its index goes right
            nodes = [n for n in nodes if n != rows[0]] + [rows[0]]
        if len(nodes) > 2:
            raise NoMatrixForm("a factor mixes more than two indices")
        left = nodes[0]
        right = nodes[1] if len(nodes) > 1 else None
        return Edge(self._elementwise(factor, left, right), left, right)

    def _scalar(self, expr: Expr) -> Expr:
        """A factor with no free index: each sum inside it becomes a 1×1 product, e.g.
        Σ_p Σ_q a_pq = 𝟏ᵀ A 𝟏, and each row-wise node an entry of its matrix form,
        max_q x_q = max(xᵀ)_11, softmax(x)_1 = softmax(xᵀ)_11."""
        if isinstance(expr, Sum):
            value = self._inner_sum(expr, None, None)
            return Element(value, 0, 0) if value.is_Matrix else value
        if isinstance(expr, RowEntry):
            return self._row_scalar(expr)
        if not expr.args or not expr.has(Sum, RowEntry):
            return expr
        return expr.func(*[self._scalar(a) for a in expr.args])

    def _row_scalar(self, node: RowEntry) -> Expr:
        """A row-wise node with no free index, as an entry of a matrix form: a reduction's
        value (its position unused) is its 1×1 column; an entry at a numbered position is
        that entry of the function of its row."""
        op = ops.of_node(node)
        if op is None or op.matrix_form is None:
            raise NoMatrixForm(f"{type(node).__name__} has no matrix form")
        if node.reduces:
            return Element(op.matrix_form(node, self, None, None), 0, 0)
        q = self.new_index(node.size)
        row = op.matrix_form(node.func(node.entry, node.index, node.size, q), self, None, q)
        return Element(row, 0, node.at)

    def placed_column(self, column: Expr, end: Node, left: Node, right: Node) -> Expr:
        """A column over ``end`` (1 × 1 with none) as a (left × right) matrix, broadcast
        along the other; a 1 × 1 one is its entry, a scalar."""
        if end is None:
            return Element(column, 0, 0)
        return self._placed(Edge(column, end, None), left, right)

    def _shape(self, left: Node, right: Node) -> tuple[Expr, Expr]:
        return (self.dims[left] if left is not None else Integer(1),
                self.dims[right] if right is not None else Integer(1))

    def _elementwise(self, expr: Expr, left: Node, right: Node) -> Expr:
        """The matrix M with m_{left,right} = expr: f(a_ij) → f(A), a_ij b_ij → A ∘ B. An
        entry at numbered positions (x_1 in x_i x_1) is a scalar, as anything with no free
        index is: a factor that scales, not a matrix to broadcast."""
        if not self.indices(expr):
            return self._scalar(expr)  # a scalar; its sums become 1×1 products
        if isinstance(expr, Element):
            edge = self._edge(expr)
            if edge.left is not None and edge.left == edge.right:  # m_pp inside f: diag(M)_p
                edge = Edge(DiagonalOf(edge.matrix), edge.left, None)
            return self._placed(edge, left, right)
        if isinstance(expr, Sum):
            return self._inner_sum(expr, left, right)
        op = ops.of_node(expr)
        if op is not None and op.matrix_form is not None:  # a row-wise entry
            return op.matrix_form(expr, self, left, right)
        if isinstance(expr, KroneckerDelta):  # δ_kl inside f: the identity, I_kl
            if left is None or right is None or set(expr.args) != {left, right}:
                raise NoMatrixForm("a Kronecker delta inside a function picks one entry")
            return Identity(self.dims[left])
        args = [self._elementwise(a, left, right) for a in expr.args]
        mats = [a for a in args if a.is_Matrix]
        scalars = [a for a in args if not a.is_Matrix]
        if isinstance(expr, Add):
            shape = self._shape(left, right)
            const = Add(*scalars)
            if const != 0:
                mats.insert(0, scale(const, OneMatrix(*shape)))
            return MatAdd(*mats) if mats else sympy.ZeroMatrix(*shape)
        if isinstance(expr, Mul):
            core = mats[0] if len(mats) == 1 else HadamardProduct(*mats)
            return scale(Mul(*scalars), core)
        if isinstance(expr, Pow) and not self.indices(expr.exp):  # X^c, X^s: a scalar power
            return HadamardPower(args[0], expr.exp)
        if op is not None and op.elementwise and len(args) == 1:
            return Apply(op.name, args[0])
        raise NoMatrixForm(f"a factor ({type(expr).__name__}) has no matrix form")

    def matrix_of(self, expr: Expr, left: Node, right: Node) -> Expr:
        """The (left × right) matrix whose entries are ``expr`` (a constant: c 𝟏𝟏ᵀ)."""
        inner = self._elementwise(expr, left, right)
        if not inner.is_Matrix:
            inner = scale(inner, OneMatrix(*self._shape(left, right)))
        return inner

    def new_index(self, size: Expr) -> Index:
        """An index of the given range that this term does not use."""
        index = row_index(*self.dims)
        self.dims[index] = size
        return index

    def _inner_sum(self, expr: Sum, left: Node, right: Node) -> Expr:
        """A sum inside an elementwise factor, e.g. σ(Σ_q a_iq b_qj) = σ(A B)_ij."""
        from .collapse import expand
        free = tuple(n for n in (left, right) if n is not None)
        parts = []
        for term in expand(expr):
            # σ(Σ_p t_{p,k,l}) = σ(Σ_p T_p)_kl; over the examples of a batch (a Hessian's
            # Σ_p P_p ⊗ Q_p, ``OUTER_LABELS``), σ(Σ_r w_rj x_{p,r}) = σ(Wᵀ x_p)_j
            stack = peel(term, free, self.labels if OUTER_LABELS.get() else frozenset())
            inner = TermRecogniser(stack.term, stack.free, self.dims,
                                   self.labels | stack.labels)
            parts.append(stack.summed_over(inner.run()))
        parts = [self._shaped(p, left, right) for p in parts]
        if len(parts) == 1:
            return parts[0]
        return MatAdd(*parts) if all(p.is_Matrix for p in parts) else Add(*parts)

    def _shaped(self, m: Expr, left: Node, right: Node) -> Expr:
        """A vector recognised without orientation, turned to run from left to right."""
        if not m.is_Matrix:
            return m
        rows, cols = self._shape(left, right)
        if m.shape != (rows, cols) and m.shape == (cols, rows):
            return transpose(m)
        return m

    def _placed(self, edge: Edge, left: Node, right: Node) -> Expr:
        """The edge's matrix as a (left × right) matrix, broadcasting a vector if needed."""
        if edge.ends() == (left, right):
            return edge.matrix
        if edge.ends() == (right, left):
            return transpose(edge.matrix)
        m = edge if edge.left is not None or edge.right is None else edge.flipped()
        # now m is a column vector (node, None)
        rows, cols = self._shape(left, right)
        if m.left == left:
            return matmul(m.matrix, OneMatrix(1, cols))
        if m.left == right:
            return matmul(OneMatrix(rows, 1), transpose(m.matrix))
        raise NoMatrixForm("an elementwise factor mixes unrelated indices")

    # -- recording

    def record(self, key: str, **params) -> None:
        flipped, self.flipped = self.flipped, []
        if key == "transpose" and flipped and all(isinstance(m, Identity) for m in flipped):
            key = "identity"  # δ_ik read as (I)_ki: Iᵀ = I, no transpose is taken
        elif key == "transpose" and flipped and not self.graph.expr().has(Transpose) and \
                any(m.has(MatMul) for m in flipped):
            # [Σ_p x_kp w_pj > 0] → ([X W > 0])_kj: what shows is the product read inside
            key = "matrix_product"
        used = USED.get()
        if used:
            params["symmetric"] = sorted(used)
            used.clear()
        self.history.append(Step(None, self.graph.expr(), Reason(key, params)))

    def orient(self, n: int, left=ANY, right=ANY, flips: list | None = None) -> None:
        """Flip edge n (to its transpose) so that its ends are (left, right); ANY: either."""
        edge = self.graph.edges[n]
        if (left is not ANY and edge.left != left) or (right is not ANY and edge.right != right):
            self.graph.edges[n] = edge.flipped()
            self.flipped.append(edge.matrix)
            if flips is not None:
                flips.append(n)

    # -- rewrites

    def run(self) -> Expr:
        while (self.hadamard() or self.sum_constant() or self.sum_ones() or self.trace()
               or self.orient_path() or self.product() or self.broadcast_vector()):
            pass
        if self.graph.sums:
            left = ", ".join(str(i) for i in self.graph.sums)
            raise NoMatrixForm(f"the sum over {left} has no matrix form")
        return self.assemble()

    def hadamard(self) -> bool:
        edges = self.graph.edges
        between: dict[frozenset, list[int]] = {}  # edges by the nodes they join
        for n, edge in enumerate(edges):
            between.setdefault(frozenset(edge.ends()), []).append(n)
        pairs = sorted((a, b) for group in between.values() if len(group) > 1
                       for x, a in enumerate(group) for b in group[x + 1:])
        for a, b in pairs:
            ea, eb = edges[a], edges[b]
            if ea.ends() == (None, None) or self._closed_cycle(ea, eb):
                continue
            if ea.left is None and ea.right is not None:
                self.orient(a, right=None)  # keep vectors as columns
                ea = edges[a]
            flips: list[int] = []
            self.orient(b, ea.left, ea.right, flips)
            if flips:
                self.record("transpose")
            merged = Edge(hadamard(edges[a].matrix, edges[b].matrix), ea.left, ea.right)
            edges[a] = merged
            del edges[b]
            self.record("hadamard")
            return True
        return False

    def _closed_cycle(self, a: Edge, b: Edge) -> bool:
        """a_pq d_qp alone between two summed nodes runs p → q → p: tr(A D), not A ∘ Dᵀ."""
        if a.ends() != (b.right, b.left):
            return False
        return all(end in self.graph.sums and len(self.graph.degree(end)) == 2
                   for end in a.ends())

    def broadcast_vector(self) -> bool:
        """A vector at an inner node between two matrices is the diagonal matrix between
        them, Σ_k a_ik v_k b_kj = (A diag(v) B)_ij (Xᵀ diag(σ ∘ (1 − σ)) X); beside one
        matrix it scales it: Σ_k v_k a_ki s_k = Σ_k a_ki (s ∘ v)_k."""
        edges = self.graph.edges
        incidence = self.graph.incidence()
        for a, vec in enumerate(edges):
            node = vec.left if vec.right is None else vec.right if vec.left is None else None
            if node is None or node not in self.graph.sums:
                continue
            beside = [n for n in incidence.get(node, []) if n != a]
            if len(beside) == 2 and all(None not in edges[n].ends() and
                                        edges[n].left != edges[n].right for n in beside):
                self._diagonal_between(a, node, beside[1])
                return True
            for b, other in enumerate(edges):
                if b == a or node not in other.ends() or None in other.ends():
                    continue
                v = vec.matrix if vec.right is None else transpose(vec.matrix)  # a column
                if other.left == node:
                    spread = matmul(v, OneMatrix(1, self.dims[other.right]))
                else:
                    spread = matmul(OneMatrix(self.dims[other.left], 1), transpose(v))
                edges[b] = Edge(hadamard(other.matrix, spread), other.left, other.right)
                del edges[a]
                self.record("broadcast")
                return True
        return False

    def _diagonal_between(self, a: int, node: Index, second: int) -> None:
        """Edge a (a vector at ``node``) becomes diag(v) from ``node`` to a new summed
        index, where edge ``second`` now starts."""
        edges = self.graph.edges
        vec = edges[a]
        v = vec.matrix if vec.right is None else transpose(vec.matrix)  # a column
        size = self.dims[node]
        taken = {i.name for i in self.dims if isinstance(i, Index)} | \
            {i.name for i in self.free if isinstance(i, Index)}  # (0: a row's place)
        fresh = fresh_index(taken)
        self.dims[fresh] = size
        self.graph.sums[fresh] = (fresh, Integer(0), size - 1)
        diagonal = hadamard(Identity(size), matmul(v, OneMatrix(1, size)))
        edges[a] = Edge(diagonal, node, fresh)
        other = edges[second]
        edges[second] = Edge(other.matrix, fresh if other.left == node else other.left,
                             fresh if other.right == node else other.right)
        self.record("diagonal_matrix")

    def sum_constant(self) -> bool:
        incidence = self.graph.incidence()
        for index in list(self.graph.sums):
            if index not in incidence:
                del self.graph.sums[index]
                self.graph.coeff *= self.dims[index]
                self.record("sum_constant", over=[str(index)], size=[str(self.dims[index])])
                return True
        return False

    def sum_ones(self) -> bool:
        incidence = self.graph.incidence()
        for index in list(self.graph.sums):
            touching = incidence.get(index, [])
            if len(touching) != 1:
                continue
            (n,) = touching
            edge = self.graph.edges[n]
            if edge.left == index:
                ones = OneMatrix(1, self.dims[index])
                self.graph.edges[n] = Edge(matmul(ones, edge.matrix), None, edge.right)
            else:
                ones = OneMatrix(self.dims[index], 1)
                self.graph.edges[n] = Edge(matmul(edge.matrix, ones), edge.left, None)
            del self.graph.sums[index]
            self.record("sum_ones", over=[str(index)])
            return True
        return False

    def trace(self) -> bool:
        """Σ_p m_pp = tr M; a diagonal that meets other edges is the vector diag(M)."""
        for n, edge in enumerate(self.graph.edges):
            if edge.left is not None and edge.left == edge.right and edge.left in self.graph.sums:
                if len(self.graph.degree(edge.left)) > 2:
                    self.graph.edges[n] = Edge(DiagonalOf(edge.matrix), edge.left, None)
                    self.record("diagonal")
                    return True
                del self.graph.sums[edge.left]
                del self.graph.edges[n]
                self.graph.coeff *= Trace(edge.matrix)
                self.record("trace")
                return True
        return False

    def orient_path(self) -> bool:
        """Transpose, in one step, every entry on the path that leaves the row end i through
        inner nodes of two edges, so that it reads i → p → q → …: Σ_p Σ_q a_pi b_qp c_jq =
        Σ_p Σ_q (Aᵀ)_ip (Bᵀ)_pq (Cᵀ)_qj; the matrix products then follow in one step too."""
        row, col = self.target
        start, forward = (row, True) if row is not None else (col, False)
        if start is None or self.path_oriented:
            return False
        incidence = self.graph.incidence()
        flips: list[int] = []
        node, visited, walked = start, set(), set()
        while node is not None and node not in visited:
            visited.add(node)
            at = incidence.get(node, [])
            if node != start and (node not in self.graph.sums or len(at) != 2):
                break
            ahead = [n for n in at if n not in walked]
            if len(ahead) != 1:  # a fork: the products decide
                break
            n = ahead[0]
            edge = self.graph.edges[n]
            if None in edge.ends() or edge.left == edge.right or \
                    not any(end in self.graph.sums for end in edge.ends()):
                break  # a vector, a diagonal m_pp, or an entry that is no product's factor
            walked.add(n)
            if forward:
                self.orient(n, left=node, flips=flips)
                node = self.graph.edges[n].right
            else:
                self.orient(n, right=node, flips=flips)
                node = self.graph.edges[n].left
        if flips:
            self.record("transpose")
        self.path_oriented = not flips  # products keep it so; if not, they flip as they go
        return bool(flips)

    def product(self) -> bool:
        """Contract an inner node on exactly two edges: Σ_p x_ap y_pb = (X Y)_ab."""
        row, col = self.target
        incidence = self.graph.incidence()
        for index in list(self.graph.sums):
            touching = incidence.get(index, [])
            if len(touching) != 2 or touching[0] == touching[1]:
                continue
            a, b = touching
            ea, eb = self.graph.edges[a], self.graph.edges[b]
            # read the path from the row end (i) towards the column end (j)
            toward_row = row is not None and row in eb.ends() and row not in ea.ends()
            toward_col = col is not None and col in ea.ends() and col not in eb.ends()
            closed = row is None and col is None and ea.left == index and eb.right == index
            if ea.right == index and eb.left == index:
                pass  # x_ap y_pb reads as it stands
            elif (eb.right == index and ea.left == index) or toward_row or toward_col or closed:
                a, b = b, a
            flips: list[int] = []
            self.orient(a, right=index, flips=flips)
            self.orient(b, left=index, flips=flips)
            if flips:
                self.record("transpose")
            ea, eb = self.graph.edges[a], self.graph.edges[b]
            merged = Edge(matmul(ea.matrix, eb.matrix), ea.left, eb.right)
            self.graph.edges[min(a, b)] = merged
            del self.graph.edges[max(a, b)]
            del self.graph.sums[index]
            self.record("matrix_product", over=[str(index)])
            return True
        return False

    def assemble(self) -> Expr:
        """The remaining edges join only the free ends: read off the matrix."""
        row, col = self.target
        g = self.graph
        scalars = [e for e in g.edges if e.ends() == (None, None)]
        for e in scalars:
            g.coeff *= Element(e.matrix, 0, 0)
        g.edges = [e for e in g.edges if e.ends() != (None, None)]
        if row is None and col is None:
            if g.edges:
                raise NoMatrixForm("a free index remains in a scalar result")
            return g.coeff
        shape = self._shape(row, col)
        if row is None or col is None:
            return self._assemble_vector(row, col, shape)
        flips: list[int] = []
        for n, e in enumerate(g.edges):
            if e.left == col or e.right == row:
                self.orient(n, flips=flips, left=e.right, right=e.left)
        if flips:
            self.record("transpose")
        full = [e for e in g.edges if e.ends() == (row, col)]
        column = [e for e in g.edges if e.ends() == (row, None)]
        rowvec = [e for e in g.edges if e.ends() == (None, col)]
        if len(full) > 1 or len(column) > 1 or len(rowvec) > 1:
            raise NoMatrixForm("unmerged factors at the free indices")
        if len(full) + len(column) + len(rowvec) != len(g.edges):  # never drop a factor
            raise NoMatrixForm("a factor with an index that is neither summed nor free")
        parts: list[Expr] = [e.matrix for e in full]
        if column and rowvec:
            parts.append(matmul(column[0].matrix, rowvec[0].matrix))
            reason = "outer"
        elif column:
            parts.append(matmul(column[0].matrix, OneMatrix(1, shape[1])))
            reason = "broadcast"
        elif rowvec:
            parts.append(matmul(OneMatrix(shape[0], 1), rowvec[0].matrix))
            reason = "broadcast"
        else:
            reason = ""
        if not parts:
            parts.append(OneMatrix(*shape))
            reason = "broadcast"
        if reason:
            g.edges = [Edge(part, row, col) for part in parts]
            self.record(reason)
        matrix = parts[0] if len(parts) == 1 else hadamard(parts[0], parts[1])
        if len(parts) > 1:
            g.edges = [Edge(matrix, row, col)]
            self.record("hadamard")
        return scale(g.coeff, matrix)

    def _assemble_vector(self, row: Node, col: Node, shape: tuple[Expr, Expr]) -> Expr:
        """A vector result: one edge at the free end. A 1-D wrt may come out as a row or a
        column (numpy does not tell them apart); an n×1 or 1×n wrt keeps its orientation."""
        g = self.graph
        if not g.edges:
            return scale(g.coeff, OneMatrix(*shape))
        if len(g.edges) != 1:
            raise NoMatrixForm("a vector result with unmerged factors")
        if len(self.free) == 2 and g.edges[0].ends() != (row, col):
            self.orient(0, row, col)
            self.record("transpose")
        return scale(g.coeff, g.edges[0].matrix)


# ---------------------------------------------------------------- stacks: batch labels

# whether a function's argument may read the outer term's stack labels (kronecker's
# sums over a batch's examples; elsewhere such a term keeps its index form)
OUTER_LABELS: ContextVar[bool] = ContextVar("outer_labels", default=False)


@dataclass
class Stacked:
    """A term over stacks of matrices read one matrix at a time: each entry t_{β,k,l} of a
    tensor is the entry (T_β)_kl of its slice (``Slice``), the leading indices β being
    *labels*; the term over slices is an ordinary term with two free indices, and the
    summed labels (a weight shared across the batch) are summed around its matrix form."""

    term: Term
    free: tuple[Index, ...]
    summed: tuple  # the limits of the summed labels
    labels: frozenset = frozenset()

    def around(self, expr: Expr) -> Expr:
        """Σ_β of an index form over the slices."""
        return IndexSum(expr, *self.summed) if self.summed else expr

    def summed_over(self, matrix: Expr) -> Expr:
        """Σ_β M_β; a scalar's Σ_β (𝟏ᵀ M_β 𝟏) as the entry of Σ_β 𝟏ᵀ M_β 𝟏, a 1×1 matrix
        (numpy's .sum(axis=0) of the stack of them); any other scalar as a plain sum."""
        if not self.summed:
            return matrix
        if matrix.is_Matrix:
            return BatchSum(matrix, *self.summed)
        coeff, rest = matrix.as_coeff_Mul()
        if isinstance(rest, Element) and rest.matrix.is_Matrix and \
                rest.matrix.shape == (1, 1):
            return coeff * Element(BatchSum(rest.matrix, *self.summed), 0, 0)
        return IndexSum(matrix, *self.summed)


def peel(term: Term, free: tuple[Index, ...], outer: frozenset = frozenset()) -> Stacked:
    """The term over slices (the term as it is if it holds no stack). A label stands on a
    leading axis of every tensor entry that has it, at one position counted from the right
    (numpy aligns stacks from the right: a shared (n, p) weight has no leading axis and
    broadcasts), and nowhere else; the labels left free are the wrt's own leading
    indices, in order. Anything else has no batched matrix form (NoMatrixForm)."""
    if not any(holds_stack(f) for f in term.factors):  # matrices only: nothing to peel
        return Stacked(term, free[-2:], ())  # (a gradient alike for every slice: free[-2:])
    entries = {e for f in term.factors for e in _stack_entries(f)}
    # slices already there (a matrix form put into a scalar factor: (𝟏ᵀ (T_p ∘ S_p) 𝟏)_00)
    sliced = {s.labels for f in term.factors for s in _stack_entries(f, kind=Slice)}
    if not entries and not sliced:  # a gradient constant along the wrt's leading axes
        return Stacked(term, free[-2:], ())
    merged: list = []  # the leading indices, aligned from the right
    leads = [e.indices[:-2] for e in sorted(entries, key=lambda e: -e.order)]
    for lead in sorted([*leads, *sliced], key=len, reverse=True):
        if not all(isinstance(i, Index) for i in lead):
            raise NoMatrixForm("an entry of a stack is read at a fixed leading index")
        for t, index in enumerate(reversed(lead), 1):
            if t > len(merged):
                merged.insert(0, index)
            elif merged[-t] != index:
                raise NoMatrixForm("the stacks of the term run along different leading axes")
    labels = set(merged)
    if len(labels) != len(merged):
        raise NoMatrixForm("an index on two leading axes")
    slices = {e: Element(Slice(e.matrix, e.indices[:-2]), *e.indices[-2:]) for e in entries}
    factors = [_sliced(f, slices, labels) for f in term.factors]
    for f in factors:
        for node in sympy.preorder_traversal(f):
            held = node.indices if isinstance(node, Element) and \
                not isinstance(node.matrix, Slice) else \
                node.args if isinstance(node, (KroneckerDelta, Pick)) else ()
            if labels & set(held):
                raise NoMatrixForm("a batch index is read off a leading axis")
    if any(labels & set(e.indices[-2:]) for e in entries):
        raise NoMatrixForm("a batch index on a matrix axis")
    # the leading indices: the gradient's, or (inside a function of a term over slices,
    # σ(Σ_r w_rj x_{p,r})) the outer term's labels
    lead = tuple(i for i in merged if i in outer) if outer else \
        free[:-2] if len(free) > 2 else ()
    if outer:
        free = (*lead, *free)
    summed = tuple(limit for limit in term.sums if limit[0] in labels)
    kept = tuple(i for i in merged if i not in {limit[0] for limit in summed})
    if kept != lead[len(lead) - len(kept):] or any(i in labels for i in free[len(lead):]):
        raise NoMatrixForm("the stack's free indices are not the gradient's leading axes")
    inner = Term(term.coeff, tuple(factors),
                 tuple(limit for limit in term.sums if limit[0] not in labels))
    return Stacked(inner, free[len(lead):], summed, frozenset(labels))


def _binds(node: Expr) -> set:
    """The indices a node binds for its body: a sum's, a row-wise entry's running one."""
    if isinstance(node, Sum):
        return {limit[0] for limit in node.limits}
    if isinstance(node, RowEntry):
        return {node.index}
    return set()


def _stack_entries(expr: Expr, bound: frozenset = frozenset(), kind: type = Element) -> set:
    """The tensor entries of a factor read at the term's own indices (``kind`` Slice: its
    slices): not those under a sum (inside σ(Σ_p t_{p,k,l}), say) that binds one of their
    leading indices, which are the inner sum's to read."""
    if kind is Element and isinstance(expr, Element) and isinstance(expr.matrix, TensorSymbol):
        return set() if bound & set(expr.indices[:-2]) else {expr}
    if kind is Slice and isinstance(expr, Slice):
        return set() if bound & set(expr.labels) else {expr}
    inner = bound | _binds(expr)
    return set().union(*(_stack_entries(a, inner, kind) for a in expr.args)) \
        if expr.args else set()


def _sliced(expr: Expr, slices: dict, labels: set) -> Expr:
    """The factor with its term-level tensor entries as entries of slices; a sum that binds
    a label of its own keeps its entries (its index is another, which shares the name)."""
    if expr in slices:
        return slices[expr]
    if not expr.args or _binds(expr) & labels:
        return expr
    args = [_sliced(a, slices, labels) for a in expr.args]
    return expr.func(*args) if args != list(expr.args) else expr


def _first_use(expr: Expr):
    order = [s for s in sympy.preorder_traversal(expr) if isinstance(s, Index)]
    return lambda index: order.index(index) if index in order else len(order)


# ---------------------------------------------------------------- the whole sum

@dataclass
class Recognised:
    result: Expr        # the matrix form
    steps: list[Step]   # the index forms after each round of rewrites


def recognise(terms: list[Term], free: tuple[Index, ...], dims: dict[Index, Expr],
              proof: Proof | None = None) -> Recognised:
    """Recognise every term; the rounds interleave their histories, one step per round,
    recorded in ``proof``."""
    proof = proof if proof is not None else Proof(None, free)
    mark = proof.mark()
    terms, viewed = read_as_views(terms, free)
    if viewed:  # a reshape's entries, read as a view's: g_{β,⌊j/k⌋,τ,j mod k} = g′_{β,τ,j}
        proof.record(Add(*[t.expr() for t in terms]), "view", names=viewed)
    histories: list[list[Step]] = []
    start: list[Expr] = []
    results: dict[Expr, Expr] = {}
    for term in terms:
        if _shifted(term):
            raise _convolution(term, free)
        stack = peel(term, free)
        try:
            r = TermRecogniser(stack.term, stack.free, dims, stack.labels)
            start.append(stack.around(r.graph.expr()))
            matrix = stack.summed_over(r.run())
        except NotImplementedError:  # sympy's |·| rules fail on a 1×1 product in an entry
            raise NoMatrixForm("sympy cannot combine this term's scalar factors") from None
        if stack.summed:
            r.history = [Step(h.lhs, stack.around(h.rhs), h.reason) for h in r.history]
        if len(free) == 1 and matrix.is_Matrix and results:
            first = next((m for m in results if m.is_Matrix), None)
            if first is not None and matrix.shape != first.shape:
                matrix = transpose(matrix)  # a 1-D result: every term the same way round
        histories.append(r.history)
        coeff, core = _split_scalar(matrix)
        results[core] = results.get(core, S.Zero) + coeff
    rounds: list[tuple[Reason, Expr]] = []
    for n in range(max((len(h) for h in histories), default=0)):
        reasons = [h[n].reason for h in histories if n < len(h)]
        keys = list(dict.fromkeys(r.key for r in reasons))
        state = Add(*[(h[min(n, len(h) - 1)].rhs if h else s)
                      for h, s in zip(histories, start)])
        if len(keys) == 1:
            reason = Reason(keys[0], _merge_params(reasons))
        else:
            reason = Reason("several", {"parts": [
                {"key": key, "params": _merge_params([r for r in reasons if r.key == key])}
                for key in keys]})
        if rounds and rounds[-1][0].key == reason.key != "several":
            reason = Reason(reason.key, _merge_params([rounds[-1][0], reason]))
            rounds[-1] = (reason, state)  # one step for a run of the same rewrite
        else:
            rounds.append((reason, state))
    parts = [scale(c, m) if m.is_Matrix else c * m for m, c in results.items() if c != 0]
    if not parts:  # the terms cancel: a zero of the result's shape
        own = free[-2:]  # a stack's zero: one matrix for every slice
        shape = [dims.get(f, Integer(1)) for f in own] + [Integer(1)] * (2 - len(own))
        result = sympy.ZeroMatrix(*shape) if free else S.Zero
        rounds.append((Reason("cancel"), S.Zero))
    elif len(parts) == 1:
        result = parts[0]
    elif all(p.is_Matrix for p in parts):
        result = MatAdd(*parts)
        # Σ_β A_β + Σ_β B_β = Σ_β (A_β + B_β): the terms of one stack factored inside
        limits, inner = _one_batch_sum(results)
        factored, reason = factor_hadamard(inner), Reason("factor")
        if factored is None:
            factored, side = factor_products(inner) or (None, None)
            reason = Reason("factor_product", {"side": [side]})
        if factored is not None:
            result = BatchSum(factored, *limits) if limits else factored
            rounds.append((reason, entry_of_result(result, free)))
    else:
        result = Add(*parts)
    shared = _shared(result)
    if shared and rounds and result.is_Matrix:
        # Σ_β (X_βᵀ G_β)_ij = (Σ_β X_βᵀ G_β)_ij: a weight the whole stack reads adds up the
        # shares of its slices (the sum, as numpy's .sum(axis=0), moves into the matrix)
        var = getattr(proof.lhs, "var", None)
        name = getattr(getattr(var, "matrix", None), "name", None)
        rounds.append((Reason("shared", {"names": [name] if name else [],
                                         "over": [str(i) for i in shared]}),
                       entry_of_result(result, free)))
    for reason, state in rounds:
        proof.record(state, reason.key, **reason.params)
    return Recognised(result, proof.steps[mark:])


def _shifted(term: Term) -> bool:
    """Whether a term reads an entry at a shifted index (u + a − 1) or has a δ of one
    (δ_{j,2l+2q}: a convolution at stride and dilation 2): a convolution's gradient."""
    return any(not isinstance(i, Index) and not i.is_Integer
               for f in term.factors for node in (*f.atoms(Element), *f.atoms(KroneckerDelta))
               for i in (node.indices if isinstance(node, Element) else node.args))


def _convolution(term: Term, free: tuple[Index, ...]) -> NoMatrixForm:
    """Why a convolution's gradient has no matrix form, and what it is in the words the
    blog posts use (``form``). Its entries are tied by one relation per axis, position =
    S·l + D·q + c (stride S along the output position l, dilation D along the tap q):

        ∂L/∂x_j = Σ_q ∂L/∂y_{j−Dq} w_q, Σ_l ∂L/∂y_l w_{j−Sl}, Σ Σ δ_{j,Sl+Dq} ∂L/∂y_l w_q
            the full convolution of ∂L/∂Y (S − 1 zeros between its entries) with the
            flipped kernel (its taps D apart)
        ∂L/∂w_j = Σ_l x_{Sl+Dj} ∂L/∂y_l
            the correlation of X with ∂L/∂Y (spread out alike), at lags D apart"""
    entries = [e for f in term.factors for e in f.atoms(Element)]
    upstream = next((e for e in entries if isinstance(e.matrix, UPSTREAMS)), None)
    others = [e for e in entries if not isinstance(e.matrix, UPSTREAMS)]
    plain = NoMatrixForm("an entry at a shifted index (a convolution's) has none")
    if upstream is None or len(others) != 1 or not hasattr(others[0].matrix, "name"):
        return plain
    other = others[0]
    deltas = [d for f in term.factors for d in f.atoms(KroneckerDelta)
              if not all(isinstance(a, Index) for a in d.args)]
    reads = lambda e: {i for i in e.indices if isinstance(i, Index)}  # noqa: E731
    at = lambda e: next((i for i in e.indices if not isinstance(i, Index)  # noqa: E731
                         and not i.is_Integer), None)
    # the relation, and the indices whose coefficients are the stride and the dilation
    # (none: 1)
    if deltas:  # δ_{j,Sl+Dq}
        relation, full = Add(*deltas[0].args), True
        by_stride, by_dilation = reads(upstream), reads(other)
    elif at(upstream) is not None:  # ∂L/∂y_{j−Dq}: the output's index is the position
        relation, full = at(upstream), True
        by_stride, by_dilation = set(), reads(other)
    elif at(other) is not None:  # w_{j−Sl} (the input's), x_{Sl+Dj} (the kernel's)
        relation = at(other)
        full = any(c < 0 for c in (affine(relation) or (0, {}))[1].values())
        # w_{j−Sl}: the kernel's own index is the tap; x_{Sl+Dj}: the tap is the free j
        by_stride, by_dilation = reads(upstream), set() if full else set(free)
    else:
        return plain
    coefficients = (affine(relation) or (0, {}))[1]

    def measured(indices: set) -> int:
        return next((abs(c) for i, c in coefficients.items() if i in indices), 1)
    stride, dilation = measured(by_stride), measured(by_dilation)
    params = {"loss": upstream.matrix.loss, "upstream": upstream.matrix.name,
              "stride": stride, "dilation": dilation}
    if full:
        form = {"key": "full_convolution", "params": {**params, "kernel": other.matrix.name}}
    else:
        form = {"key": "correlation", "params": {**params, "input": other.matrix.name}}
    return NoMatrixForm("a convolution's gradient", form)


def _one_batch_sum(parts: dict[Expr, Expr]) -> tuple[tuple, dict[Expr, Expr]]:
    """(the limits, the slices' terms) when every term is Σ over the same labels of a
    matrix over slices (coefficients inside); else ((), the terms as they are)."""
    cores = list(parts)
    if not cores or not all(isinstance(c, BatchSum) for c in cores) or \
            len({c.limits for c in cores}) != 1:
        return (), parts
    inner: dict[Expr, Expr] = {}
    for core, coeff in parts.items():
        c, m = _split_scalar(core.matrix)
        inner[m] = inner.get(m, S.Zero) + coeff * c
    return cores[0].limits, inner


def _shared(result: Expr) -> list:
    """The labels a result sums over its slices (Σ_β in Σ_β X_βᵀ G_β), in order."""
    if not stacked(result):
        return []
    found = [limit[0] for node in sympy.preorder_traversal(result)
             if isinstance(node, BatchSum) for limit in node.limits]
    return list(dict.fromkeys(found))


def recognise_under(assumptions: dict[str, str], terms: list[Term], free: tuple[Index, ...],
                    dims: dict[Index, Expr], proof: Proof | None = None) -> Recognised:
    """recognise(), knowing which names are declared symmetric or spd (Aᵀ = A)."""
    symmetric = frozenset(n for n, a in assumptions.items() if a in ("symmetric", "spd"))
    tokens = (SYMMETRIC.set(symmetric), USED.set(set()))
    try:
        return recognise(terms, free, dims, proof)
    finally:
        USED.reset(tokens[1])
        SYMMETRIC.reset(tokens[0])


def factor_hadamard(parts: dict[Expr, Expr]) -> Expr | None:
    """P ∘ A − P ∘ B = P ∘ (A − B): a Hadamard factor common to every term comes out."""
    factor_sets = []
    for matrix in parts:
        args = list(matrix.args) if isinstance(matrix, HadamardProduct) else [matrix]
        factor_sets.append(args)
    common = []
    for f in factor_sets[0]:
        if all(other.count(f) > common.count(f) for other in factor_sets[1:]) and \
                factor_sets[0].count(f) > common.count(f):
            common.append(f)
    if not common:
        return None
    rest = []
    for (matrix, coeff), args in zip(parts.items(), factor_sets):
        remaining = list(args)
        for f in common:
            remaining.remove(f)
        if not remaining:
            rest.append(scale(coeff, OneMatrix(*matrix.shape)))
        else:
            core = remaining[0] if len(remaining) == 1 else HadamardProduct(*remaining)
            rest.append(scale(coeff, core))
    return HadamardProduct(*common, MatAdd(*rest))


def factor_products(parts: dict[Expr, Expr]) -> tuple[Expr, str] | None:
    """A X + Aᵀ X = (A + Aᵀ) X,  X b cᵀ + X c bᵀ = X (b cᵀ + c bᵀ),  2 A x − 2 b = 2 (A x − b):
    a factor at the same end of every product, or a number in every coefficient, comes out
    (repeatedly, inside the sum that remains). Returns the product and which factor came
    out first: "left" or "right" (a matrix-product factor) or "number"."""
    if len(parts) < 2:
        return None
    common = sympy.gcd_list(list(parts.values())) if all(
        c.is_Rational for c in parts.values()) else S.One
    if common in (0, 1) and len({c for c in parts.values()}) == 1:
        common = next(iter(parts.values()))
    if common < 0 if common.is_number else False:
        common = -common
    coeffs = {m: c / common for m, c in parts.items()}
    chains = [list(m.args) if isinstance(m, MatMul) else [m] for m in coeffs]
    for end in (-1, 0):
        if all(len(c) >= 2 for c in chains) and all(c[end] == chains[0][end] for c in chains):
            rests = {}
            for c, chain in zip(coeffs.values(), chains):
                rest = chain[:-1] if end == -1 else chain[1:]
                core = rest[0] if len(rest) == 1 else matmul(*rest)
                rests[core] = rests.get(core, S.Zero) + c
            inner = factor_products(rests)
            inner = inner[0] if inner else MatAdd(*[scale(c, m) for m, c in rests.items()])
            product = matmul(inner, chains[0][-1]) if end == -1 else \
                matmul(chains[0][0], inner)
            return scale(common, product), "right" if end == -1 else "left"
    if common != 1:
        return scale(common, MatAdd(*[scale(c, m) for m, c in coeffs.items()])), "number"
    return None


def entry_of_result(result: Expr, free: tuple[Index, ...]) -> Expr:
    """The (i, j) entry of a matrix result as an index-form expression (a scalar as is)."""
    if not result.is_Matrix:
        return result
    free = free[-2:] if len(free) > 2 else free  # a stack's entry: its labels are inside
    rows, cols = result.shape
    row = free[0] if free and rows != 1 else 0
    col = free[1] if len(free) > 1 and cols != 1 else (free[0] if free and rows == 1 else 0)
    return Element(result, row, col)


def _split_scalar(m: Expr) -> tuple[Expr, Expr]:
    if not m.is_Matrix:
        return m, S.One
    if isinstance(m, MatMul) and not m.args[0].is_Matrix:
        return m.args[0], matmul(*m.args[1:])
    return S.One, m


def _merge_params(reasons: list[Reason]) -> dict:
    """Parameters of the same rewrite in several terms: lists are joined, repeats dropped."""
    merged: dict = {}
    for r in reasons:
        for key, values in r.params.items():
            bucket = merged.setdefault(key, [])
            for value in values:
                if value not in bucket:
                    bucket.append(value)
    return merged
