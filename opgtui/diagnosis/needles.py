"""Fixed words a pattern cannot match without: a text holding none of a signature's words cannot match it, so a
short log is asked only about the signatures whose words it holds (a small RE2 set compiles in a fraction of the
full set's ~25 ms).

``needles(pattern)`` reads the pattern with Python's own parser (the syntax RE2 shares with it) and gives the
alternatives one of which every match contains, as ``(text, ignore_case)``, or None when it cannot be sure (a
pattern Python reads otherwise than RE2 may: POSIX classes, octal escapes; or no fixed word at all). A word is
ASCII when case is ignored: RE2 folds only the Kelvin sign and the long s into ASCII letters, and
:func:`folded` maps those before lowering the text.
"""

from __future__ import annotations

from typing import Any

_KELVIN = "\u212a".encode()
_LONG_S = "\u017f".encode()
MIN_WORD = 3
"""Words shorter than this say too little to be worth a search."""
Needle = tuple[str, bool]


def folded(text: bytes) -> bytes:
    """``text`` as a case-ignoring RE2 pattern sees ASCII letters: lowered, the Kelvin sign a k, the long s an s."""
    if _KELVIN in text:
        text = text.replace(_KELVIN, b"k")
    if _LONG_S in text:
        text = text.replace(_LONG_S, b"s")
    return text.lower()


def needles(pattern: str) -> list[Needle] | None:
    """Words one of which every match of ``pattern`` contains, or None when that cannot be said safely."""
    if "[:" in pattern or any(pattern[i + 1].isdigit() for i, ch in enumerate(pattern[:-1]) if ch == "\\"):
        return None
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    try:
        parsed = _parser.parse(pattern)
    except Exception:  # anything Python cannot read: no promise
        return None
    return _required(list(parsed), bool(parsed.state.flags & c.SRE_FLAG_IGNORECASE), c)


def _score(alternatives: list[Needle]) -> tuple[int, int]:
    return min(len(t) for t, _ in alternatives), -len(alternatives)


def _required(items: list[Any], ci: bool, c: Any) -> list[Needle] | None:
    """The best requirement of a sequence of parsed items: a run of literals, or one from a group inside it."""
    options: list[list[Needle]] = []
    run: list[str] = []

    def close() -> None:
        if len(run) >= MIN_WORD:
            options.append([("".join(run).lower() if ci else "".join(run), ci)])
        run.clear()

    for op, av in items:
        if op is c.LITERAL and not (ci and av > 0x7F):
            run.append(chr(av))
            continue
        close()
        inner: list[Needle] | None = None
        if op is c.SUBPATTERN:
            _group, add, remove, sub = av
            inner_ci = (ci or bool(add & c.SRE_FLAG_IGNORECASE)) and not remove & c.SRE_FLAG_IGNORECASE
            inner = _required(list(sub), inner_ci, c)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            inner = _required(list(av[2]), ci, c)
        elif op is c.BRANCH:
            alternatives = [_required(list(alt), ci, c) for alt in av[1]]
            if all(a is not None for a in alternatives):
                inner = [n for a in alternatives if a is not None for n in a]
        if inner:
            options.append(inner)
    close()
    return max(options, key=_score) if options else None


def candidates(text: bytes, words: list[list[Needle] | None]) -> list[int]:
    """The indices of ``words`` whose signature ``text`` may match (one of its needles is in it, or it has none)."""
    low: bytes | None = None
    out = []
    for i, alternatives in enumerate(words):
        if alternatives is None:
            out.append(i)
            continue
        for word, ci in alternatives:
            if ci:
                if low is None:
                    low = folded(text)
                if word.encode() in low:
                    break
            elif word.encode() in text:
                break
        else:
            continue
        out.append(i)
    return out
