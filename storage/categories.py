"""Category paths: keys, counts with children, and matching a typed category to stored ones.

A post's category is stored twice: as shown ("리뷰 > 한국영화") and as normalised keys joined
by "/" ("리뷰/한국영화"). The library has few distinct categories, so they are read once per
library version (see ``SqlRepository``) and matched here in Python; the posts of the matching
categories are then found with an indexed ``category_key IN (…)``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from bot.domain import CategoryCount
from bot.textnorm import normalize_key

CATEGORY_SEPARATOR = " > "
MAX_SLASHES = 6


def category_key(path: Sequence[str]) -> str | None:
    """The category path as keys joined by "/": what category lookups compare."""
    keys = [key for key in (normalize_key(part) for part in path) if key]
    return "/".join(keys) or None


def query_keys(category: str) -> list[tuple[str, ...]]:
    """A typed category ("리뷰 > 한국 영화", "리뷰/한국영화", "한국영화") as key paths.

    ">" separates levels. Without one, "/" may separate levels or be part of a name
    ("SF/판타지"): every reading is returned (up to :data:`MAX_SLASHES` slashes).
    """
    if ">" in category or "/" not in category:
        pieces = [category.split(">")]
    else:
        chunks = category.split("/")
        if len(chunks) - 1 > MAX_SLASHES:
            chunks = [*chunks[:MAX_SLASHES], "/".join(chunks[MAX_SLASHES:])]
        pieces = []
        for splits in product((False, True), repeat=len(chunks) - 1):
            parts = [chunks[0]]
            for split, chunk in zip(splits, chunks[1:], strict=True):
                if split:
                    parts.append(chunk)
                else:
                    parts[-1] += "/" + chunk
            pieces.append(parts)
    readings: list[tuple[str, ...]] = []
    for parts in pieces:
        keys = tuple(key for key in (normalize_key(part) for part in parts) if key)
        if keys and keys not in readings:
            readings.append(keys)
    return readings


@dataclass(frozen=True, slots=True)
class CategoryIndex:
    """The library's distinct categories (full posts only; stubs have none) with counts."""

    counts: dict[tuple[str, ...], int]  # full key path → posts stored with exactly that path
    shown: dict[tuple[str, ...], tuple[str, ...]]  # key path (and every prefix) → as shown

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, int]]) -> CategoryIndex:
        """From ``(category_key, category as shown, count)`` rows (one or more per key)."""
        counts: Counter[tuple[str, ...]] = Counter()
        votes: defaultdict[tuple[str, ...], Counter[tuple[str, ...]]] = defaultdict(Counter)
        for key, display, count in rows:
            keys = tuple(key.split("/"))
            parts = tuple(
                part.strip() for part in display.split(CATEGORY_SEPARATOR) if normalize_key(part)
            )
            if len(parts) != len(keys):
                parts = keys
            counts[keys] += count
            for n in range(1, len(keys) + 1):
                votes[keys[:n]][parts[:n]] += count
        # Each level as most of the displays given show it; a child keeps its parent's.
        shown: dict[tuple[str, ...], tuple[str, ...]] = {}
        for path in sorted(votes, key=len):
            last: Counter[str] = Counter()
            for parts, n in votes[path].items():
                last[parts[-1]] += n
            best = min(last.items(), key=lambda item: (-item[1], item[0]))[0]
            shown[path] = (*shown.get(path[:-1], ()), best)
        return cls(dict(counts), shown)

    def listing(self) -> list[CategoryCount]:
        """Every path and every parent, with its posts and its children's, sorted by path."""
        totals: Counter[tuple[str, ...]] = Counter()
        for keys, count in self.counts.items():
            for n in range(1, len(keys) + 1):
                totals[keys[:n]] += count
        listed = [CategoryCount(self.shown[keys], count) for keys, count in totals.items()]
        return sorted(listed, key=lambda item: (item.path, item.count))

    def matching(self, category: str) -> list[str]:
        """The stored category keys a typed category stands for, children included.

        A whole path from the top ("리뷰 > 한국영화", "리뷰/한국영화", or "리뷰" for everything
        under it) wins; otherwise the typed path is looked for as the last part of any path
        ("한국영화" finds "리뷰 > 한국영화" and its children). When "/" can be read more than
        one way, the posts of every reading are given.
        """
        found: set[tuple[str, ...]] = set()
        for wanted in query_keys(category):
            size = len(wanted)
            matches = {keys for keys in self.counts if keys[:size] == wanted}
            if not matches:
                matches = {
                    keys
                    for keys in self.counts
                    if any(keys[i : i + size] == wanted for i in range(1, len(keys) - size + 1))
                }
            found |= matches
        return sorted("/".join(keys) for keys in found)

    def count(self, keys: Iterable[str]) -> int:
        return sum(self.counts.get(tuple(key.split("/")), 0) for key in keys)
