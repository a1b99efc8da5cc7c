"""Normalization of tracking numbers (rules.md section 3: "upper case, no spaces or dashes").

Exactly that and nothing more: surrounding and inner whitespace (the invisible zero-width spaces included)
and dashes go, wherever in the number they are, and letters are upper-cased.
Dots, slashes and other punctuation are kept on purpose: the spec does not remove them, and the same
normalized value is what `recycled` compares across orders, so inventing extra rules here would make
two different numbers collide.
"""

from __future__ import annotations

# Every character that str.isspace() accepts lies below U+3000 (IDEOGRAPHIC SPACE), so scanning that
# range finds them all (tab, newline, NBSP, thin spaces ...): numbers pasted from spreadsheets and PDFs
# carry them.
_WHITESPACE = {code: None for code in range(0x3001) if chr(code).isspace()}
# Invisible characters that are spaces in all but name: text copied out of PDFs, web pages and e-mails
# carries them inside numbers ("9400\u200b1112..."), where they would otherwise make two spellings of one
# number differ. Zero-width space, non-joiner and joiner, word joiner, the byte-order mark (zero-width
# no-break space) and the Mongolian vowel separator, which str.isspace() no longer counts.
_INVISIBLE = {ord(ch): None for ch in "\u200b\u200c\u200d\u2060\ufeff\u180e"}

# ASCII hyphen-minus plus the Unicode dashes that word processors substitute for it
# (U+2010 hyphen .. U+2015 horizontal bar, U+2212 minus sign) and the soft hyphen (U+00AD) they insert
# where a long number may break across lines.
_DASHES = {ord(dash): None for dash in "-\u00ad\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}

_DELETE_SEPARATORS = {**_WHITESPACE, **_INVISIBLE, **_DASHES}


def normalize_number(raw: str) -> str:
    """Return `raw` upper-cased with all whitespace and dashes removed; "" for None or blank input."""
    if not raw:
        return ""
    return raw.translate(_DELETE_SEPARATORS).upper()


# rules.md section 3c: a normalized number with fewer letters or digits is no tracking number.
MIN_NUMBER_CHARACTERS = 4


def is_tracking_number(raw: str) -> bool:
    """Whether `raw` can be a tracking number at all (rules.md section 3c): imports refuse what is not."""
    return sum(ch.isalnum() for ch in normalize_number(raw)) >= MIN_NUMBER_CHARACTERS
