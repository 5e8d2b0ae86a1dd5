"""numpy code, a stage of its own below the renderers and the checker: a gradient's
matrix form as numpy (``numpy_code``), an index form without one as np.einsum or
broadcasting (``einsum``, ``grid``), the program's statements as numpy (``numpy_source``),
and the backward pass as statements, named or staged as CS231n writes it (``backward``,
``staged``). The renderers print it; the checker runs it, as printed."""
