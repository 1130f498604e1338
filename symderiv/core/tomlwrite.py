"""TOML out: a deterministic writer for problem files, exact for numbers, checked by reading back."""

from __future__ import annotations

import datetime
import re
import tomllib
from typing import Any

#: Keys written without quotes (TOML's bare keys).
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
#: A TOML float as written (decimal, exponent, inf, nan), for TomlFloat made from text.
_FLOAT = re.compile(r"[+-]?(\d(_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?|[+-]?(inf|nan)")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


class TomlFloat(str):
    """A TOML float kept as the text it was written with: read with `read` (tomllib's
    parse_float), written back verbatim, so 0.10 stays 0.10 and no value passes through binary
    floating point. As text it is what symderiv's exact reader (exact.to_number) takes."""

    def __new__(cls, text: str) -> TomlFloat:
        if not _FLOAT.fullmatch(text):
            raise ValueError(f"not a TOML float: {text!r}")
        return super().__new__(cls, text)


def read(text: str) -> dict[str, Any]:
    """A TOML document with its floats as TomlFloat (their text, exactly as written)."""
    return tomllib.loads(text, parse_float=TomlFloat)


def dumps(doc: dict[str, Any], header: str = "") -> str:
    """`doc` as TOML text: `header` as comment lines, then the top table's values, its tables
    ([a.b]) and its arrays of tables ([[claims]]); deeper arrays of tables are written inline.
    The text is read back and must give `doc` again, with the same types (else ValueError)."""
    out = [f"# {_comment(line)}".rstrip() for line in header.splitlines()]
    _table(doc, [], out)
    text = "\n".join(out).strip("\n") + "\n"
    if not same(read(text), doc):
        raise ValueError("the TOML written does not read back as the document it was made from")
    return text


def same(a: Any, b: Any) -> bool:
    """Equal values of equal TOML types (a TomlFloat is not the string with the same text)."""
    if isinstance(a, TomlFloat) or isinstance(b, TomlFloat):
        return isinstance(a, TomlFloat) and isinstance(b, TomlFloat) and str(a) == str(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _table(table: dict[str, Any], path: list[str], out: list[str], inline: bool = False) -> None:
    """The values of `table`, then its subtables, then (at the top) its arrays of tables; in an
    array's table (`inline`) a table value is written inline, as problem files write `where`."""
    subtables, arrays = [], []
    for key, value in table.items():
        if isinstance(value, dict) and not inline:
            subtables.append(key)
        elif not path and _table_array(value):
            arrays.append(key)
        else:
            out.append(f"{_key(key)} = {_value(value, 0)}")
    for key in subtables:
        value = table[key]
        if not value or not all(isinstance(v, dict) for v in value.values()):  # [params] alone says nothing
            out += ["", f"[{'.'.join(_key(k) for k in [*path, key])}]"]
        _table(value, [*path, key], out)
    for key in arrays:
        for item in table[key]:
            out += ["", f"[[{_key(key)}]]"]
            _table(item, [key], out, inline=True)


def _table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _value(value: Any, depth: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, TomlFloat):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, float):
        raise ValueError(f"a binary float {value!r} has no exact TOML text here: use TomlFloat")
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v, depth + 1)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list):
        items = [_value(v, depth + 1) for v in value]
        if depth == 0 and len(items) > 1 and all(isinstance(v, (list, dict)) for v in value):
            return "[\n" + "".join(f"  {item},\n" for item in items) + "]"  # a matrix: one row a line
        return "[" + ", ".join(items) + "]"
    raise ValueError(f"no TOML form for {type(value).__name__}")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key, multiline=False)


def _control(ch: str, allowed: str = "") -> bool:
    return (ord(ch) < 0x20 or ord(ch) == 0x7F) and ch not in allowed


def _string(text: str, multiline: bool = True) -> str:
    """A literal string '...' when the text allows one (LaTeX reads best unescaped), a multi-line
    literal '''...''' for text with line breaks, else a basic string with escapes ("..." too for
    text that needs no escape)."""
    if "\\" not in text and '"' not in text and not any(_control(ch) for ch in text):
        return f'"{text}"'
    if "'" not in text and not any(_control(ch) for ch in text):
        return f"'{text}'"
    if (multiline and "\n" in text and "'''" not in text and not text.endswith("'")
            and not any(_control(ch, "\n\t") for ch in text)):
        return f"'''\n{text}'''"
    return '"' + "".join(_ESCAPES.get(ch) or (f"\\u{ord(ch):04X}" if _control(ch) else ch) for ch in text) + '"'


def _comment(line: str) -> str:
    """A header line as comment text: control characters shown as '?'."""
    return "".join("?" if _control(ch) else ch for ch in line)
