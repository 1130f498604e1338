"""What the command line prints and writes: exit statuses, tolerant streams, output files (the verdict
table is render.table)."""

from __future__ import annotations

import codecs
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import OutputError

if TYPE_CHECKING:  # the command line starts without SymPy: verdicts are only read here
    from ..core.verdict import Verdict

EXIT_OK, EXIT_WRONG, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_CLOSED_PIPE = 130, 141  # 128 + SIGINT, 128 + SIGPIPE, as a shell reports them


def exit_status(verdicts: list[Verdict]) -> int:
    """3 when judging a claim hit a bug in symderiv; 0 when every claim is correct; 1 when a claim
    is incorrect; 2 when a claim cannot be read (and none is incorrect); otherwise (undecided) 1."""
    if any(is_internal(v) for v in verdicts):
        return EXIT_INTERNAL
    if all(v.verdict == "correct" for v in verdicts):
        return EXIT_OK
    if any(v.verdict == "incorrect" for v in verdicts):
        return EXIT_WRONG
    if any(v.verdict == "error" for v in verdicts):
        return EXIT_BAD_INPUT
    return EXIT_WRONG


def is_internal(v: Verdict) -> bool:
    """True for the verdict of a claim whose judgement hit a bug in symderiv."""
    return "internal_error" in (v.details or {})


def one_line(text: str, limit: int = 160) -> str:
    """`text` on one line (whitespace runs collapsed), cut to `limit` characters."""
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


# ----------------------------------------------------------------------------- streams

_ASCII = {"−": "-", "–": "-", "—": "--", "×": "x", "·": "*", "⋅": "*", "∘": "o", "≤": "<=", "≥": ">=",
          "≠": "!=", "≈": "~", "→": "->", "←": "<-", "⟹": "=>", "…": "...", "∈": " in ", "∑": "sum",
          "Σ": "sum", "∂": "d", "∇": "grad ", "√": "sqrt", "∞": "inf", "′": "'", "‘": "'", "’": "'",
          "“": '"', "”": '"', "ᵀ": "^T", "⊤": "^T", "⊙": "(.)", "η": "eta", "𝟏": "1", "∪": " U ", "∅": "{}",
          "μ": "mu", "λ": "lambda", "σ": "sigma", "δ": "delta", "α": "alpha", "β": "beta", "θ": "theta",
          "ε": "eps", "Δ": "Delta", "Λ": "Lambda", "±": "+-", "\u00a0": " "}
#: Subscript and superscript characters (x₁, x², Aᵢₖ) and what they stand for.
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", "0123456789+-=()aehijklmnoprstuvx", strict=True))
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵁⱽᵂ",
                         "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRUVW", strict=True))
ERRORS = "symderiv-ascii"
#: What the Unicode pretty printer writes; a stream that cannot encode it gets ASCII maths instead.
UNICODE_PROBE = "σ⊙ᵀΣ𝟏₁²"


def unicode_ok(stream: Any = None) -> bool:
    """Whether `stream` (default stdout) can show the Unicode maths of the pretty printer."""
    stream = sys.stdout if stream is None else stream
    try:
        UNICODE_PROBE.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _scripts(run: str) -> str | None:
    """A run of subscripts as _1 or _{ik}, of superscripts as ^2 or ^(-1); None for anything else."""
    for table, mark, group in ((_SUBSCRIPTS, "_", "{}"), (_SUPERSCRIPTS, "^", "()")):
        if all(ch in table for ch in run):
            plain = "".join(table[ch] for ch in run)
            return mark + (plain if len(plain) == 1 else group[0] + plain + group[1])
    return None


def _ascii_fallback(exc: UnicodeError) -> tuple[str, int]:
    """A codec error handler: what a stream cannot encode becomes ASCII (− as -, η as eta, x₁ as
    x_1, x² as x^2), a byte that was not UTF-8 (a surrogate escape) becomes \\xNN, anything else
    \\uNNNN."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    text = exc.object[exc.start:exc.end]
    start = 0
    while start < len(text):
        end = start + 1
        while end < len(text) and _scripts(text[start:end + 1]) is not None:
            end += 1
        scripts = _scripts(text[start:end])
        if scripts is not None:
            out.append(scripts)
            start = end
            continue
        ch = text[start]
        code = ord(ch)
        if ch in _ASCII:
            out.append(_ASCII[ch])
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        start += 1
    return "".join(out), exc.end


codecs.register_error(ERRORS, _ascii_fallback)


def tolerant_streams() -> None:
    """Let stdout and stderr degrade instead of raising UnicodeEncodeError (PYTHONIOENCODING=ascii,
    a C locale, a file name that is not UTF-8): see _ascii_fallback."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors=ERRORS)
            except (ValueError, OSError, AttributeError):
                pass


def say(line: str) -> None:
    """Print one line on stderr; a closed stderr is not an error."""
    if sys.stderr is None:
        return
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


# ----------------------------------------------------------------------------- output files


def check_output(path: str) -> Path:
    """The target of an output option, checked before any work: an existing directory, a missing
    directory or a parent that is not a directory is an OutputError naming the path."""
    if not path:
        raise OutputError("cannot write '': the path is empty")
    target = Path(path)
    try:
        if target.is_dir():
            raise OutputError(f"cannot write {path}: it is a directory")
        parent = target.parent
        if not parent.exists():
            raise OutputError(f"cannot write {path}: the directory {parent} does not exist")
        if not parent.is_dir():
            raise OutputError(f"cannot write {path}: {parent} is not a directory")
        special = _special(target)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from None
    if not special and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {path}: the directory {parent} is not writable")
    return target


def write_output(path: str, write: Callable[[Path], None]) -> None:
    """Write the output file `path`: `write(part)` fills a temporary file in the same directory,
    which is then renamed onto `path` (so a reader or a concurrent writer never sees half a file,
    and a failed run leaves nothing behind). A device or pipe (/dev/stdout) is written in place.
    Any OSError is an OutputError naming the path."""
    target = check_output(path)
    try:
        if _special(target):
            with tempfile.TemporaryDirectory(prefix="symderiv-out-") as tmp:
                part = Path(tmp) / "output"
                write(part)
                data = part.read_bytes()
            with open(target, "wb") as out:
                out.write(data)
            return
        fd, name = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".part", dir=target.parent)
        os.close(fd)
        part = Path(name)
        try:
            write(part)
            os.chmod(part, _mode(target))
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_text_output(path: str, text: str) -> None:
    """write_output for a UTF-8 text."""
    write_output(path, lambda part: part.write_bytes(text.encode("utf-8", "surrogateescape")))


def _special(target: Path) -> bool:
    """True for an existing file that is not a regular file (a device, a pipe, a socket)."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _mode(target: Path) -> int:
    """The mode of the file being replaced, else 0o666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


# ----------------------------------------------------------------------------- crashes


def save_crash_report(summary: str, report: str) -> str | None:
    """Write a crash's traceback to crashes/ in symderiv's cache directory (the rule of
    netproof.cache_dir: $SYMDERIV_CACHE_DIR, else $XDG_CACHE_HOME/symderiv, else
    ~/.cache/symderiv); its path, or None when it cannot be written."""
    base = os.environ.get("SYMDERIV_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "symderiv")
    folder = Path(base) / "crashes"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}.txt"
        path.write_text(f"{summary}\n\n{report}", encoding="utf-8", errors="backslashreplace")
    except OSError:
        return None
    return str(path)


def debugging() -> bool:
    """SYMDERIV_DEBUG=1: print tracebacks of internal errors."""
    return os.environ.get("SYMDERIV_DEBUG", "") not in ("", "0")
