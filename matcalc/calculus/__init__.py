"""The calculus, in the order a proof runs:

    lower           program → element form: c_kl = Σ_p a_kp b_pl
    backward        the chain rule over the program's graph, one name at a time
    differentiate   ∂e/∂x_ij, entries giving Kronecker deltas
    definitions     σ(z_kl) folded back to h_kl
    collapse        δ's remove sums; each removal records which index values remain
    recognise       index form → matrix form (built by ``matrices``)
    prove           the stages every proof shares; ``proof`` records its steps

``symbols`` holds the sympy vocabulary they share (indices, entries, partials).
"""
