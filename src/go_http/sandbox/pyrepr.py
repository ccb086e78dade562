"""Python 2 ``repr()`` of JSON values.

The real servers were Python 2 and some error strings embed ``repr()`` of what the client
sent (``{u'uuid': u'foo::bar'}``, ``u'bar'``).  Clients match on those strings, so the
sandbox reproduces them.
"""

from __future__ import annotations

from typing import Any


def py2_repr(value: Any) -> str:
    """Render a decoded JSON value the way Python 2 ``repr()`` rendered it.

    :param value: a value produced by :func:`json.loads`.
    """
    if isinstance(value, str):
        # ascii() escapes non-ASCII like Python 2 did for unicode objects.
        return "u" + ascii(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(py2_repr(item) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{py2_repr(k)}: {py2_repr(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return repr(value)


_PY2_TYPES = {
    str: "unicode",
    bool: "bool",
    int: "int",
    float: "float",
    list: "list",
    dict: "dict",
    type(None): "NoneType",
}


def py2_type(value: Any) -> str:
    """Python 2 ``repr(type(value))`` of a decoded JSON value, e.g. ``<type 'list'>``."""
    return f"<type '{_PY2_TYPES.get(type(value), type(value).__name__)}'>"
