"""Quoting a user's value in an error message: short, and safe for anything JSON can carry
(a 5,000-digit number has no repr in Python 3.11; a list nested 50,000 deep overflows one)."""

from __future__ import annotations

import math
import reprlib

MAX_CHARS = 100
_SHORT = reprlib.Repr()  # Python 3.11's takes no arguments
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxdict = 3, 60, 60, 4, 4


def shown(value) -> str:
    """`repr(value)`, cut to a readable length."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a whole number of about {int(value.bit_length() * math.log10(2))} digits"
    try:
        text = _SHORT.repr(value)
    except (ValueError, RecursionError):
        return f"a {type(value).__name__}"
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."
