"""Vectorised building blocks of the synthetic cohort: dates and instants as integers, Arrow
string columns built by concatenation and lookup (never one Python string per row), keyed
permutations for unique codes, and categorical draws.

Dates are int32 days since 1970-01-01 and instants int64 seconds since the epoch (UTC) until a
table is built; the hot path then stays in numpy and Arrow's C++ kernels. Building JSON text
for millions of rows with `json.dumps` would dominate the run time, so answers are assembled
by `pyarrow.compute.binary_join_element_wise` over small lookup tables instead."""

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400
# Crockford's base32: no I, L, O or U, so a code read aloud or typed is not misread.
CROCKFORD = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def epoch_day(value: date) -> int:
    return (value - EPOCH).days


def day_to_year(days: IntArray) -> IntArray:
    """Calendar year of each day number."""
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return years.astype(np.int64)


def choose(
    rng: np.random.Generator, size: int, probabilities: Sequence[float]
) -> npt.NDArray[np.intp]:
    """Category indices drawn with the given probabilities (normalised here, so tables may
    list relative weights)."""
    weights = np.asarray(probabilities, dtype=np.float64)
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    drawn: npt.NDArray[np.intp] = np.searchsorted(cumulative, rng.random(size), side="right")
    return drawn


def uniform_int(
    rng: np.random.Generator,
    low: IntArray | int,
    high: IntArray | int,
    size: int | None = None,
) -> IntArray:
    """Integers drawn uniformly from low..high inclusive, element-wise (`size` when both
    bounds are scalars)."""
    low_array = np.asarray(low, dtype=np.int64)
    high_array = np.asarray(high, dtype=np.int64)
    span = np.maximum(high_array - low_array + 1, 1)
    shape = np.broadcast(low_array, high_array).shape if size is None else (size,)
    drawn: IntArray = low_array + np.floor(rng.random(shape) * span).astype(np.int64)
    return drawn


def lognormal_with_mean(
    rng: np.random.Generator, mean: float, sigma: float, size: int
) -> FloatArray:
    """Lognormal draws with the given arithmetic mean (published BMAC counts are reported as
    means of right-skewed distributions)."""
    mu = np.log(mean) - sigma**2 / 2
    drawn: FloatArray = rng.lognormal(mu, sigma, size)
    return drawn


def lookup(strings: Sequence[str], index: npt.NDArray[np.integer]) -> pa.Array:
    """Arrow string column: `strings[index]` element-wise, without Python strings per row."""
    return pa.array(list(strings), type=pa.string()).take(pa.array(index, type=pa.int64()))


def join(*pieces: str | pa.Array) -> pa.Array:
    """Element-wise concatenation of columns and literal text."""
    arguments = [
        pa.scalar(piece, pa.string()) if isinstance(piece, str) else piece for piece in pieces
    ]
    return pc.binary_join_element_wise(*arguments, "")


def int_text(values: npt.NDArray[np.integer], width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(values, type=pa.int64()), pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def feistel_permute(values: npt.NDArray[np.uint64], key: int, bits: int) -> npt.NDArray[np.uint64]:
    """A keyed bijection of 0..2**bits-1 (four Feistel rounds), so codes derived from distinct
    ids are distinct by construction, and still look random."""
    half = bits // 2
    mask = np.uint64((1 << half) - 1)
    keys = np.random.default_rng([key, bits]).integers(0, 1 << half, size=4, dtype=np.uint64)
    left = (values >> np.uint64(half)) & mask
    right = values & mask
    with np.errstate(over="ignore"):
        for round_key in keys:
            mixed = (right * np.uint64(0x9E3779B1) + round_key) & mask
            mixed = (mixed ^ (mixed >> np.uint64(7))) * np.uint64(0x85EBCA6B) & mask
            left, right = right, left ^ mixed
    permuted: npt.NDArray[np.uint64] = (left << np.uint64(half)) | right
    return permuted


def base32_codes(prefix: str, values: npt.NDArray[np.uint64], length: int) -> pa.Array:
    """Fixed-width codes `prefix` + `length` Crockford base32 digits of `values`."""
    count = len(values)
    alphabet = np.frombuffer(CROCKFORD, dtype=np.uint8)
    shifts = np.arange(length - 1, -1, -1, dtype=np.uint64) * np.uint64(5)
    digits = (values[:, None] >> shifts[None, :]) & np.uint64(31)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    body = np.empty((count, len(head) + length), dtype=np.uint8)
    body[:, : len(head)] = head
    body[:, len(head) :] = alphabet[digits.astype(np.intp)]
    width = body.shape[1]
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(body.tobytes()))


def dates(days: IntArray, mask: BoolArray | None = None) -> pa.Array:
    """Arrow date32 column; `mask` marks nulls."""
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask)


def instants(seconds: IntArray, mask: BoolArray | None = None) -> pa.Array:
    """Arrow UTC timestamp column (µs, as PostgreSQL stores it); `mask` marks nulls."""
    return pa.array(seconds * 1_000_000, type=pa.timestamp("us", tz="UTC"), mask=mask)


def repeat_index(counts: IntArray) -> IntArray:
    """Owner row of each child row when owner i has counts[i] children."""
    owners: IntArray = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    return owners


def rank_within(owners: IntArray) -> IntArray:
    """0, 1, 2 … within each run of equal, sorted owner indices."""
    if len(owners) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(owners)) + 1]
    run_lengths = np.diff(np.r_[starts, len(owners)])
    ranks: IntArray = np.arange(len(owners), dtype=np.int64) - np.repeat(starts, run_lengths)
    return ranks
