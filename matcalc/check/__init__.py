"""The checker: numerical verification of every result, independent of the algebra.

    numeric       random instances in the program's domain, its forward pass in numpy (on a
                  batch of perturbed copies), and the one central-difference rule
    tensor_eval   index forms evaluated at every entry at once (einsum for sums)
    verification  ``verify``: each step equals the previous one, the result, its numpy
                  code and the numpy backward pass equal central differences
"""

from .verification import (
    CheckReport,
    GradientCheck,
    verified,
    verify,
    verify_derivative,
    verify_gradients,
)

__all__ = ["CheckReport", "GradientCheck", "verified", "verify", "verify_derivative",
           "verify_gradients"]
