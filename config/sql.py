"""SQL text built from the code's own constants. Raw report SQL names statuses, roles and
kinds through `literal(Model.Status.X)` instead of retyping 'x', so renaming a value in
one place cannot leave a query silently counting nothing."""

import re

_SAFE = re.compile(r"^[A-Za-z0-9_]+$")


def literal(value: str) -> str:
    """`value` as a quoted SQL string literal. Only plain identifiers are accepted (every
    choice value of our models is one), so nothing needs escaping."""
    if not _SAFE.match(str(value)):
        raise ValueError(f"not a plain constant: {value!r}")
    return f"'{value}'"


def literals(values) -> str:
    """`values` as the inside of an SQL IN (...) list."""
    return ", ".join(literal(v) for v in values)
