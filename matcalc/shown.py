"""Results as users meet them: the display of a derivation, a Jacobian or a Hessian —
``d.text()``, ``d.latex()``, ``d.markdown()``, ``d.json()``, ``d.show(fmt, lang)``,
notebook rendering, a derivation's numpy code — and its values at given inputs
(``d.at``), which run the forward pass and the gradients. ``results`` holds the plain
data; these are its classes with their display, a layer above the renderers and the
checker (the pipeline makes them).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields

from . import results
from .render.display import mimebundle
from .render.settings import LANGUAGE

__all__ = ["Derivation", "Derivative", "Gradient", "with_display"]


def in_scope(method):
    """A method that reads the program's operations does so with the program's own
    declarations (``ops.scope``): a later program may declare the same name otherwise."""
    @functools.wraps(method)
    def scoped(self, *args, **kwargs):
        from . import ops
        with ops.scope(self.program.records):
            return method(self, *args, **kwargs)
    return scoped


class Shown:
    """Display for a result (a gradient derivation, a Jacobian or a Hessian)."""

    @in_scope
    def show(self, fmt: str = "text", lang: str = "en", standalone: bool = False,
             title: str | None = None) -> str:
        """The result in ``fmt``; ``standalone`` LaTeX is a document for a paper, titled
        ``title`` (text, $…$ as math) or by the program."""
        from .render.formats import render
        return render(self, fmt, lang, standalone, title)

    def text(self, lang: str = "en") -> str:
        return self.show("text", lang)

    def latex(self, lang: str = "en") -> str:
        return self.show("latex", lang)

    def markdown(self, lang: str = "en") -> str:
        return self.show("markdown", lang)

    def json(self, lang: str = "en") -> str:
        return self.show("json", lang)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex(LANGUAGE["lang"]) + "$$"

    def _repr_markdown_(self) -> str:
        return self.markdown(LANGUAGE["lang"])

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return mimebundle(self._repr_markdown_(), self._repr_latex_(), repr(self))

    def __str__(self) -> str:
        return self.text(LANGUAGE["lang"])

    def __repr__(self) -> str:
        from .render.formats import short_repr
        return short_repr(self)



class ShownWithNumpy(Shown):
    """Display for a gradient derivation, with its numpy code."""

    @property
    def numpy(self) -> str | None:
        """numpy code for the (first) requested gradient, every named gradient inlined."""
        return self.numpy_of(next(iter(self.gradients)))

    def numpy_of(self, wrt: str) -> str | None:
        from .codegen.backward import numpy_code
        return numpy_code(self, self.gradients[wrt])

    @property
    def backward_numpy(self) -> str | None:
        """For a program of several statements, the backward pass as numpy statements
        (dZ2 = …, then dW2 = H1.T @ dZ2), one per named gradient the requested ones need;
        None for one statement (``numpy`` is the whole gradient) or if a needed gradient
        has no matrix form."""
        from .codegen.backward import backward_lines
        code = backward_lines(self)
        return None if code is None else "\n".join(f"d{name} {op} {line}"
                                                    for name, op, line in code)

    @in_scope
    def at(self, values: dict, upstream=None):
        """The forward values and every gradient at the given inputs (numbers or nested
        lists), shown with the proof from now on (CS231n's circuits: x = −2, y = 5, z = −4
        gives q = 3, f = −12 and ∂f/∂x = −4). A non-scalar output's upstream gradient is
        ``upstream``, or ones (L = sum of the output); a program with several outputs takes
        a dict ({"dB": …, "dC": …}), ones for any left out. Returns the derivation."""
        from .arrays import np
        from .check.numeric import PRECISION, evaluate_all, forward_given
        from .errors import UsageError
        missing = [n for n in self.program.inputs() if n not in values]
        if missing:
            raise UsageError(f"values missing for {', '.join(missing)}", option="at")
        unknown = [n for n in values if n not in self.shapes.names and
                   n not in self.shapes.lengths()]
        if unknown:
            raise UsageError("no such name in the program", option="at", value=unknown[0])
        try:
            arrays = {n: np.asarray(v, dtype=float) for n, v in values.items()}
        except ValueError:
            raise UsageError("a value's rows must all have the same length",
                             option="at") from None
        from .check.numeric import check_shapes
        check_shapes(self, arrays)
        from .check.numeric import upstream_values
        given = upstream_values(self, upstream)
        if any(o not in given for o in self.upstreams):  # L = the sum of each output
            run = forward_given(self, {n: np.asarray(v, dtype=float)
                                       for n, v in values.items()})
            given.update({o: np.ones(np.shape(run[o])) for o in self.upstreams
                          if o not in given})
        upstream = {o: np.asarray(given[o], dtype=float) for o in self.upstreams} or None
        from .codegen.backward import numpy_code
        code = [(name, numpy_code(self, grad, named=True))  # every named gradient, in order
                for name, grad in self.all_gradients.items()] if self.is_graph else None
        named = [(n, c) for n, c in code or [] if c]
        forward_values, gradients = evaluate_all(self, values, upstream, named)
        token = PRECISION.set(np.longdouble)  # the same values in more precision
        try:
            precise = evaluate_all(self, values, upstream, named)
        finally:
            PRECISION.reset(token)
        forward_values = settle(forward_values, precise[0])
        gradients = settle(gradients, precise[1])
        for name in self.gradients:  # no numpy: the gradient's index form, evaluated
            if name not in gradients:
                gradients[name] = index_form_value(self, name, forward_values, upstream)
        self.values_at = {"inputs": {n: values[n] for n in values},
                          "forward": forward_values, "gradients": gradients,
                          "upstream": None if upstream is None else upstream[self.output],
                          "upstreams": upstream or {}}
        return self

    @in_scope
    def dot(self) -> str:
        """The computation graph in Graphviz's dot (``render.graph``); after ``at``, with
        the values on its arrows and each fan-out's shares (computed here, for the graph
        alone)."""
        from .render.graph import dot_source
        return dot_source(self, shares_at(self) if self.values_at and self.is_graph else {})

    @in_scope
    def evaluate(self, values: dict, upstream=None) -> dict:
        """The requested gradients at given input values (numbers or arrays), by running
        the numpy code."""
        from .check.numeric import evaluate_gradients
        return evaluate_gradients(self, values, upstream)


def settle(values: dict, precise: dict) -> dict:
    """Each value with its round-off removed: an entry that the same computation in
    extended precision does not confirm even to its leading digit (|v| ≤ 2 |v − v′|) is 0
    up to round-off, as σ′(x) − σ′(−x) or log(exp(x)) − x are, and is shown as 0 (not as
    −2.776e−17). Where extended precision is float64 itself, nothing changes."""
    from .arrays import np
    settled = {}
    for name, value in values.items():
        value = np.asarray(value, dtype=float)
        if name in precise:
            error = np.abs(value - np.asarray(precise[name], dtype=np.longdouble))
            value = np.where(np.abs(value) <= 2 * error, 0.0, value)
        settled[name] = value + 0.0  # and no −0
    return settled


def index_form_value(d, name: str, values: dict, upstream, grad=None):
    """∂L/∂name (or ``grad``, a share of it) at these values from its index form
    (``check.tensor_eval``), for a gradient that has no numpy code: every entry at once,
    as the checker evaluates it."""
    from .arrays import np
    from .check.numeric import Instance
    from .check.tensor_eval import Evaluator
    from .index.symbols import axis_labels
    sizes: dict = {}
    for n, value in values.items():
        for dim, size in zip(d.shapes.names.get(n, ()), np.shape(value)):
            if isinstance(dim, str):
                sizes[dim] = size
    from .check.numeric import upstream_values
    grad = grad or d.all_gradients[name]
    given = {o: np.asarray(g, dtype=float) for o, g in upstream_values(d, upstream).items()}
    instance = Instance(sizes, dict(values), given.get(d.output), d.program, d.output,
                        upstreams=given if len(given) > 1 else {})
    free = axis_labels(grad.axes, len(grad.shape))
    shape = tuple(sizes.get(k, k) if isinstance(k, str) else k for k in grad.shape)
    return Evaluator(d.program, instance, d.output).array(grad.index_form, free, shape)


def shares_at(d) -> dict[str, dict]:
    """At the values of ``d.at``, each fan-out's shares: for a name X that feeds several
    results, {Z: the value of ∂L/∂X via Z alone} (``calculus.backward.shares``), which add
    up to ∂L/∂X — CS231n's lesson that the paths' gradients add at the node."""
    from .arrays import np
    from .calculus.backward import shares
    from .check.numeric import eval_numpy
    from .codegen.backward import numpy_code
    from .errors import UnsupportedError
    at = d.values_at or {}
    forward, gradients = at.get("forward", {}), at.get("gradients", {})
    namespace = dict(forward)
    namespace.update({f"d{n}": v for n, v in gradients.items()})
    upstreams = at.get("upstreams") or ({d.output: at["upstream"]}
                                        if at.get("upstream") is not None else {})
    namespace.update({f"d{o}": g for o, g in upstreams.items()})
    found: dict[str, dict] = {}
    for name in d.all_gradients:
        paths = shares(d, name) if name in gradients else {}
        values = {}
        for target, grad in paths.items():
            code = numpy_code(d, grad, named=True)
            try:
                values[target] = np.asarray(eval_numpy(code, namespace)) if code else \
                    index_form_value(d, name, forward, upstreams or None, grad)
            except (KeyError, UnsupportedError):
                values[target] = index_form_value(d, name, forward, upstreams or None,
                                                   grad)
        if values:
            found[name] = values
    return found


# ---------------------------------------------------------------- the classes users meet

@dataclass(eq=False, repr=False)
class Derivation(ShownWithNumpy, results.Derivation):
    """A gradient derivation (``results.Derivation``) that shows itself."""


@dataclass(eq=False, repr=False)
class Derivative(Shown, results.Derivative):
    """A Jacobian or a Hessian (``results.Derivative``) that shows itself."""

    @property
    def numpy(self) -> str | None:
        """numpy code of the matrix form (None when there is none)."""
        from .codegen.backward import derivative_numpy
        return derivative_numpy(self)

    @property
    def numpy_of_vech(self) -> str | None:
        """numpy code of the Hessian in vech(S), for a symmetric S (None otherwise)."""
        from .codegen.backward import derivative_numpy
        return derivative_numpy(self, self.vech) if self.vech is not None else None


@dataclass(eq=False, repr=False)
class Gradient(results.Gradient):
    """One gradient of a derivation (``results.Gradient``) that shows itself."""

    def __repr__(self) -> str:
        from .render.formats import gradient_line
        return f"<Gradient {gradient_line(self.owner, self.wrt)}>" if self.owner else \
            f"<Gradient ∂/∂{self.wrt}>"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        from .render.formats import gradient_markdown
        if self.owner is None:
            return {"text/plain": repr(self)}
        markdown = gradient_markdown(self.owner, self.wrt, LANGUAGE["lang"])
        return mimebundle(markdown, markdown.strip(), repr(self))


def with_display(gradient: results.Gradient) -> Gradient:
    """The same gradient, as users meet it."""
    return Gradient(**{f.name: getattr(gradient, f.name) for f in fields(gradient)})
