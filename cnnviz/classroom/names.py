"""Names, titles and short labels as the classroom stores them: trimmed, normalised, length-limited.

The library stores the raw text (normalised); the pages escape it when they show it. Control and
format characters (line breaks, bidirectional overrides, zero-width spaces) are refused, so a name
cannot break a table, reorder the text around it or look like another name.
"""

from __future__ import annotations

import re
import unicodedata

from cnnviz.classroom.errors import ClassroomError

#: Format characters kept: the zero-width joiner and non-joiner that emoji sequences and some scripts need.
_KEPT_FORMAT = {"\u200c", "\u200d"}
_SPACES = re.compile(r"\s+")
_PAGE = re.compile(r"[a-z0-9_\-]{1,40}")


def clean_text(text: object, what: str, max_chars: int) -> str:
    """``text`` NFKC-normalised, trimmed, inner spaces collapsed; :class:`ClassroomError` if empty,
    longer than ``max_chars`` or holding control characters. ``what`` names it in the message."""
    if not isinstance(text, str):
        raise ClassroomError(f"The {what} must be text")
    if len(text) > 4 * max_chars:  # bound the work before normalising
        raise ClassroomError(f"The {what} is too long: at most {max_chars} characters")
    text = unicodedata.normalize("NFKC", text)
    if any(unicodedata.category(c).startswith("C") and c not in _KEPT_FORMAT for c in text):
        raise ClassroomError(f"The {what} holds a character that cannot be shown (a line break or control character)")
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise ClassroomError(f"Type a {what}")
    if len(text) > max_chars:
        raise ClassroomError(f"The {what} is too long: at most {max_chars} characters")
    return text


def name_key(name: str) -> str:
    """What makes two names "the same" in a class: the cleaned name, case-folded ("Anna" = " anna ")."""
    return unicodedata.normalize("NFKC", name.casefold())


def clean_page(page: object) -> str:
    """A page's short name (``"training"``, ``"layer_builder"``); ``ValueError`` for anything else."""
    if not isinstance(page, str) or not _PAGE.fullmatch(page):
        raise ValueError(f"not a page name: {page!r}")
    return page
