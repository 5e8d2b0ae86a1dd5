"""``python -m matcalc.ops``: the README's function table, from the registry."""

from . import readme_table

print(readme_table())
