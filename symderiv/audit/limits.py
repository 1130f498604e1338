"""Input bounds of document extraction (they belong in the one limits module of issues 10/11)."""

from __future__ import annotations

# A whole document: past this it is refused at once (a homework solution is 5-20 kB; a
# 250 kB document is about a hundred pages). Measured: the LaTeX tokenizer reads about
# 60 kB a second, Markdown is faster; so every document within the bound is read in seconds.
MAX_DOCUMENT_CHARS = 250_000
# Equations (statements with a relation, or not read) in one document: past this it is refused.
MAX_EQUATIONS = 5_000
# One math block: a longer one is listed as not read, without being tokenized.
MAX_MATH_CHARS = 8_000
# Braces, brackets and environments nested inside one math block.
MAX_MATH_NESTING = 64
# Links (relations) in one chain: a longer chain is listed as not read.
MAX_LINKS = 200
# A Markdown paragraph longer than this is not parsed inline (the link syntax of CommonMark
# costs quadratic time on pathological input); its math is listed as not read.
MAX_PARAGRAPH_CHARS = 20_000
# How far (in lines) a `$$` or `\begin{align}` block opened in Markdown is searched for its end.
MAX_DISPLAY_LINES = 100
# How much prose before a math block is read for a definition cue ("let", "where", "define").
MAX_CUE_CHARS = 400
# One side of a link handed to a problem's reader: a longer one is not read (the notation reader's
# own bound on a formula is larger; a side this long is a pasted block, not one expression).
MAX_SIDE_CHARS = 4_000
# Links judged in one document (each is a claim judged in a worker under its CPU budget; measured
# about 50 ms for a short one): past this the rest are listed as undecided, with the reason, and the
# document is still reported whole. The same claim written twice is judged once.
MAX_JUDGED_LINKS = 400
# Wall-clock seconds one audit spends judging: past this the chains not yet judged are undecided
# (the bound of a pathological document: thousands of equations, each a worker round trip).
AUDIT_SECONDS = 900.0
# CPU seconds one link may take (within SYMDERIV_TIME_LIMIT, whichever is smaller): a document has
# hundreds of links, so each gets less than a claim of a problem file; past it, `undecided: time bound`.
LINK_SECONDS = 10.0
