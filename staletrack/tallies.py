"""Tallies: named counts declared once, each starting at zero, read back in the order declared.

A result that reports "how many of each" (an erasure's rows, a what-if run's changed cases) subclasses
`Tally` and names its counts in the class line, so a count is declared in one place and every reader
(`counts()`, `merge()`) follows it:

    class Erased(Tally, counts="drafts packets"):
        ...

    erased = Erased(drafts=2)
    erased.packets += 1
    erased.counts()  # {"drafts": 2, "packets": 1}
"""

from __future__ import annotations

from typing import ClassVar, Self


class Tally:
    """Counts under the names the subclass declares (`counts="a b c"`, added to its parents' names)."""

    counted: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, *, counts: str = "", **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.counted = cls.counted + tuple(name for name in counts.split() if name not in cls.counted)

    def __init__(self, **counts: int) -> None:
        unknown = sorted(set(counts) - set(self.counted))
        if unknown:
            raise TypeError(f"{type(self).__name__} counts no {', '.join(unknown)}")
        for name in self.counted:
            setattr(self, name, counts.get(name, 0))

    def counts(self) -> dict[str, int]:
        """Every count, in the order declared."""
        return {name: getattr(self, name) for name in self.counted}

    def merge(self, other: Tally) -> Self:
        """Add `other`'s counts to these (a part of the same run, counted elsewhere)."""
        for name in self.counted:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value}" for name, value in self.counts().items())
        return f"{type(self).__name__}({shown})"
