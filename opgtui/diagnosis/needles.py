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

from collections.abc import Callable
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


def _posix_class(pattern: str) -> bool:
    """Whether ``pattern`` may hold a POSIX class (``[[:alpha:]]``): an unescaped ``[:`` with a ``:]`` after it
    (RE2 reads ``[:`` as a class's start only then; ``[:,]`` is a class of ``:`` and ``,``)."""
    at = pattern.find("[:")
    while at >= 0:
        slashes = len(pattern[:at]) - len(pattern[:at].rstrip("\\"))
        if slashes % 2 == 0 and ":]" in pattern[at + 2 :]:
            return True
        at = pattern.find("[:", at + 1)
    return False


def _parse(pattern: str) -> tuple[Any, Any] | None:
    """``pattern`` as Python's parser reads it (the syntax RE2 shares with it), and the parser's constants; None
    for what it may read otherwise than RE2 (POSIX classes, octal escapes and back references) or cannot read."""
    if any(pattern[i + 1].isdigit() for i, ch in enumerate(pattern[:-1]) if ch == "\\") or _posix_class(pattern):
        return None
    from re import _constants as c  # type: ignore[attr-defined]
    from re import _parser  # type: ignore[attr-defined]

    try:
        return _parser.parse(pattern), c
    except Exception:  # anything Python cannot read: no promise
        return None


def needles(pattern: str) -> list[Needle] | None:
    """Words one of which every match of ``pattern`` contains, or None when that cannot be said safely."""
    read = _parse(pattern)
    if read is None:
        return None
    parsed, c = read
    return _required(list(parsed), bool(parsed.state.flags & c.SRE_FLAG_IGNORECASE), c)


def requirements(pattern: str) -> list[list[list[Needle]]] | None:
    """The ways a match of ``pattern`` can go (its top-level alternatives ``a|b``, or the whole), each as every
    requirement :func:`needles` chooses its best from: a match holds a word of each requirement of one of them.
    Inside a group the best is chosen by words other than digits (``ORA-`` before ``00018|00020``), so a line's
    digits made 0s tell more. None when that cannot be said safely (as ``needles``, or a way with no word)."""
    read = _parse(pattern)
    if read is None:
        return None
    parsed, c = read
    ci = bool(parsed.state.flags & c.SRE_FLAG_IGNORECASE)
    items = _inlined(list(parsed), c)
    ways = [list(alt) for alt in items[0][1][1]] if len(items) == 1 and items[0][0] is c.BRANCH else [items]
    out = [_options(way, ci, c, _digit_free_score) for way in ways]
    return out if all(out) else None


def _inlined(items: list[Any], c: Any) -> list[Any]:
    """``items`` with each group that changes no flag (a capturing one: ``(?P<code>30[0-3]\\d)``) replaced by its
    own items, here and in the alternatives and repetitions inside: a group that must match once is its items in
    sequence, so a run of literals goes on through it (``[30`` in ``\\[(?P<code>30[0-3]\\d)\\]``); and the
    literals right after a choice made part of each of its alternatives (``(?:\\[|errno=)30``: ``[30``,
    ``errno=30``)."""
    out: list[Any] = []
    for op, av in items:
        if op is c.SUBPATTERN and not av[1] and not av[2]:
            out.extend(_inlined(list(av[3]), c))
        elif op is c.BRANCH:
            out.append((op, (av[0], [_inlined(list(alt), c) for alt in av[1]])))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            out.append((op, (av[0], av[1], _inlined(list(av[2]), c))))
        elif op is c.SUBPATTERN:
            out.append((op, (av[0], av[1], av[2], _inlined(list(av[3]), c))))
        else:
            out.append((op, av))
    for k in range(len(out) - 2, -1, -1):  # (a|b)cd is (acd|bcd): the literals after a choice join each way's run
        op, av = out[k]
        end = k + 1
        while end < len(out) and out[end][0] is c.LITERAL:
            end += 1
        if op is c.BRANCH and end > k + 1:
            out[k:end] = [(op, (av[0], [[*alt, *out[k + 1 : end]] for alt in av[1]]))]
    return out


Score = Callable[[list[Needle]], tuple[int, ...]]


def _score(alternatives: list[Needle]) -> tuple[int, ...]:
    return min(len(t) for t, _ in alternatives), -len(alternatives)


def _digit_free_score(alternatives: list[Needle]) -> tuple[int, ...]:
    return min(sum(not ch.isdigit() for ch in t) for t, _ in alternatives), *_score(alternatives)


def _required(items: list[Any], ci: bool, c: Any, score: Score = _score) -> list[Needle] | None:
    """The best requirement of a sequence of parsed items: a run of literals, or one from a group inside it."""
    options = _options(items, ci, c, score)
    return max(options, key=score) if options else None


def _options(items: list[Any], ci: bool, c: Any, score: Score) -> list[list[Needle]]:
    """Every requirement of a sequence of parsed items (a match holds a word of each): its runs of literals, those
    of each group or repetition inside it that must match, and of alternatives the best requirement (by
    ``score``) of each."""
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
        if op is c.SUBPATTERN:  # a group that must match: each of its requirements is one of the sequence's
            _group, add, remove, sub = av
            inner_ci = (ci or bool(add & c.SRE_FLAG_IGNORECASE)) and not remove & c.SRE_FLAG_IGNORECASE
            options.extend(_options(list(sub), inner_ci, c, score))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            options.extend(_options(list(av[2]), ci, c, score))
        elif op is c.BRANCH:
            alternatives = [_required(list(alt), ci, c, score) for alt in av[1]]
            if all(a is not None for a in alternatives):
                inner = [n for a in alternatives if a is not None for n in a]
        if inner:
            options.append(inner)
    close()
    return options


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


def digit_blind(pattern: str) -> bool:
    """Whether ``pattern`` treats every ASCII digit alike: no digit literal, every class holds all ten digits or
    none (``\\d`` ``\\w`` ``.`` ``[^,]`` but not ``[1-9]``), so it matches a line exactly when it matches the line
    with each digit made another (a 0). False when that cannot be said safely (as :func:`needles`: what Python's
    parser may read otherwise than RE2: POSIX classes, octal or back references, ``{,n}``, or what it cannot
    read)."""
    read = None if "{," in pattern else _parse(pattern)
    if read is None:
        return False
    parsed, c = read
    return _blind(list(parsed), c)


_DIGIT_CODES = range(ord("0"), ord("9") + 1)


def _blind(items: list[Any], c: Any) -> bool:
    for op, av in items:
        if op in (c.LITERAL, c.NOT_LITERAL):
            if av in _DIGIT_CODES:
                return False
        elif op is c.IN:
            if _digits_in(av, c) not in (0, 10):
                return False
        elif op is c.SUBPATTERN:
            if not _blind(list(av[3]), c):
                return False
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            if not _blind(list(av[2]), c):
                return False
        elif op is c.BRANCH:
            if not all(_blind(list(alt), c) for alt in av[1]):
                return False
        elif op not in (c.ANY, c.AT):
            return False  # anything else (references, lookaround): no promise
    return True


def _digits_in(items: list[Any], c: Any) -> int:
    """How many ASCII digits a class's members hold (a negation changes none of 0 or 10); -1: not known."""
    held: set[int] = set()
    for op, av in items:
        if op is c.NEGATE:
            continue
        if op is c.LITERAL:
            if av in _DIGIT_CODES:
                held.add(av)
        elif op is c.RANGE:
            held.update(d for d in _DIGIT_CODES if av[0] <= d <= av[1])
        elif op is c.CATEGORY:
            if av in (c.CATEGORY_DIGIT, c.CATEGORY_WORD, c.CATEGORY_NOT_SPACE):
                held.update(_DIGIT_CODES)
            elif av not in (c.CATEGORY_NOT_DIGIT, c.CATEGORY_NOT_WORD, c.CATEGORY_SPACE):
                return -1
        else:
            return -1
    return len(held)
