"""Find rows of one file that share a canonical email, in about 20 bytes per row.

A dict of a million email strings would cost well over 100 MB; instead each email is kept
as a 128-bit blake2b digest (two 64-bit words) in a flat `array`, split into 256 buckets by
the digest's first byte, and the buckets are grouped one at a time only when `twins()` is
asked for.

Why a digest match is taken as an email match: for n distinct emails the chance that any
two share a 128-bit digest is about n²/2¹²⁹, i.e. 1.5e-27 for a million-row file. That is
far below the chance of a memory error flipping the answer, so real equality is not
re-checked (the emails are not kept at all).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from hashlib import blake2b

_BUCKETS = 256


class InFileDuplicates:
    """Collects (row number, canonical email) pairs; reports the rows whose email repeats."""

    def __init__(self) -> None:
        # bucket -> the digests, two words each (row k's are items 2k and 2k+1), and the row numbers
        self._digests = [array("Q") for _ in range(_BUCKETS)]
        self._rows = [array("I") for _ in range(_BUCKETS)]
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, row_number: int, email: str) -> None:
        """Record a row's canonical email (the caller canonicalises; this compares exactly)."""
        digest = blake2b(email.encode("utf-8"), digest_size=16).digest()
        bucket = digest[0]
        self._digests[bucket].frombytes(digest)  # one call for both words
        self._rows[bucket].append(row_number)
        self._count += 1

    def groups(self) -> Iterator[list[int]]:
        """Each set of rows sharing one email (two or more rows, ascending), bucket by bucket."""
        for bucket in range(_BUCKETS):
            digests, rows = self._digests[bucket], self._rows[bucket]
            first: dict[tuple[int, int], int] = {}
            shared: dict[tuple[int, int], list[int]] = {}
            for position in range(len(rows)):
                key = (digests[2 * position], digests[2 * position + 1])
                seen = first.setdefault(key, position)
                if seen != position:
                    group = shared.get(key)
                    if group is None:
                        shared[key] = group = [rows[seen]]
                    group.append(rows[position])
            for group in shared.values():
                group.sort()
                yield group

    def twins(self, limit: int | None = 100) -> dict[int, list[int]]:
        """Every row number that has a duplicate -> the OTHER rows with the same email, ascending.

        At most `limit` other rows are listed per row (None lists all). The cap keeps a
        pathological file (one address on every row) from needing n² memory: within a
        group larger than the cap, rows outside its head share one list object, which the
        caller must not mutate.
        """
        out: dict[int, list[int]] = {}
        for group in self.groups():
            if limit is None or len(group) <= limit + 1:
                for row in group:
                    out[row] = [r for r in group if r != row]
                continue
            head = group[: limit + 1]
            for row in head:
                out[row] = [r for r in head if r != row][:limit]
            shared = head[:limit]
            for row in group[limit + 1 :]:
                out[row] = shared
        return out


def twin_detail(email: str, others: list[int], limit: int = 100) -> str:
    """The `DUPLICATE_IN_FILE` detail for a row: which other rows carry the same email."""
    listed = ", ".join(str(r) for r in others)
    more = " and more" if len(others) >= limit else ""
    noun = "row" if len(others) == 1 else "rows"
    return f"{email} also appears in {noun} {listed}{more}; keep one of these rows and re-import"
