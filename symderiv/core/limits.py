"""Every bound on untrusted input in one place: formulas, number literals, problem-file sizes.

Each limit is checked where the input is read, before anything of that size is allocated or
computed, and a value past it is a one-line error naming the place (a problem file's field,
or the formula with a caret), never a traceback or a verdict. The values are generous for
real courses: a 1000-1000-10 network with a batch of 1024 is well inside them.

This module imports nothing from symderiv (it is the bottom of the layers).
"""

from __future__ import annotations

# ---------------------------------------------------------------- formulas (a student's LaTeX)

#: Characters of one formula (a claim, a `where` definition, a `[notation]` entry).
FORMULA_MAX_LENGTH = 4000
#: Brackets ({, (, [) nested inside one another in one formula.
FORMULA_MAX_DEPTH = 40
#: Operators nested inside one another without brackets (- - - x, \exp \exp x).
FORMULA_MAX_NESTING = 100
#: Functions applied inside functions (\log \log \log x): SymPy asks each for its sign, at a cost
#: that grows with the square of the depth (100 nested logs took 12 s of CPU).
FUNCTION_MAX_NESTING = 16
#: |exponent| of one power written in a formula (x^{64}).
POWER_MAX_EXPONENT = 64
#: A power of a power, (x^{64})^{64}: at most this exponent overall.
POWER_MAX_DEGREE = 4096
#: A number raised to a power: at most this many digits in the result.
POWER_MAX_DIGITS = 2000
#: The exponent of a power of a matrix, powers of powers multiplied ({X^2}^2 is X^4): each squaring
#: of a matrix of symbols doubles the degree of every entry (X^{32} of a 2x2 took 8 s, X^{64} minutes).
MATRIX_POWER_MAX_EXPONENT = 16
#: Environments (\begin{bmatrix}, \begin{cases}) nested inside one another in one formula; TeX itself
#: stops at 255 groups, and a block matrix nests two or three.
ENVIRONMENT_MAX_NESTING = 8
#: Digits of an exact value computed at a checked point (f(f(...f(1)...)) of a square: 2^20 digits).
VALUE_MAX_DIGITS = 2000
#: |x| in \exp(x), \sinh(x), \cosh(x) for a number x.
EXP_MAX_ARGUMENT = 10000
#: Terms of a \sum with number limits.
SUM_MAX_TERMS = 4096
#: Nodes evaluated to read one formula (names, indices and definitions unfolded).
FORMULA_MAX_WORK = 200_000
#: Definitions unfolded inside one another at once (a `where` name using another, ...).
FORMULA_MAX_UNFOLDING = 40
#: Entries of the loss a network's loss formula is compared with (per sample times outputs).
LOSS_FORMULA_MAX_ENTRIES = 20_000

# ---------------------------------------------------------------- number literals

#: Digits in one number literal (in a formula or a problem file).
LITERAL_MAX_DIGITS = 400
#: |e| in a literal such as 1e-3 (Fraction('1e999999999') would never finish).
LITERAL_MAX_EXPONENT = 400

# ---------------------------------------------------------------- problem files

#: Entries of one claim's free variable (`free = { '\mathbf{x}' = 10 }`).
FREE_MAX_ENTRIES = 4096
#: entries of a constant written with its size: \mathbf{1}_n (n entries), \mathbf{I}_n (n^2)
SIZED_MAX_ENTRIES = 4096
#: Width of one layer of a network, and its number of inputs.
NETWORK_MAX_WIDTH = 4096
#: Layers of one network.
NETWORK_MAX_DEPTH = 64
#: Samples in one batch (model.batch, the rows of data.X).
NETWORK_MAX_BATCH = 65536
#: Entries of one matrix given in a problem file (a parameter's value, data.X, data.T, a
#: constant); the file is read into memory whole, so this bounds the exact conversion.
MATRIX_MAX_ENTRIES = 4_194_304
#: Entries of a whole network problem: every parameter plus X and T at the batch size
#: (what one forward and backward pass holds in float64, about 80 MB).
PROBLEM_MAX_ENTRIES = 10_000_000
#: Variables (and function components) of a kind solved exactly in SymPy: a quadratic's
#: matrix A, a Hessian H, the variables of a calculus problem.
SYMBOLIC_MAX_VARIABLES = 8
#: A fixed dimension of a matrix-calculus variable (sizes named by letters are checked
#: at the file's own small sizes).
MATRIX_CALCULUS_MAX_DIMENSION = 8


# ---------------------------------------------------------------- exercise variants ([variants])

#: Variants made by one `symderiv variants` run (--count).
VARIANTS_MAX_COUNT = 10_000
#: Draws one variant may take to meet its constraints ([variants] tries).
VARIANT_MAX_TRIES = 100_000
#: Decimals of a drawn value ([variants] decimals).
VARIANT_MAX_DECIMALS = 6
#: Denominator of a drawn value's grid ([variants] denominator).
VARIANT_MAX_DENOMINATOR = 1_000_000
#: |end| of a range of drawn values ([variants] range, diagonal).
VARIANT_MAX_MAGNITUDE = 1_000_000
