"""The index model every stage shares, below the operations and the calculus: indices,
entries of named arrays (m_rc), index sums Σ_p, Kronecker deltas, partial derivatives and
the gradient symbols ∂L/∂X (``symbols``). It imports nothing of matcalc's own."""
