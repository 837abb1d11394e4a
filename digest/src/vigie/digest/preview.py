"""A post's preview: its text on one line (runs of whitespace as one space), cut to a number of characters with
an ellipsis. Shared by the digests' posts and the classifier's alert evidence, which preview the same text of each
mention one after the other."""

from __future__ import annotations

#: The text :func:`preview` last cut, the limit and the preview: recognised by identity only (the evidence and the
#: digest pass the very same string object), so that it saves that second call and nothing else.
_last: tuple[str | None, int, str] = (None, 0, "")


def preview(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters (the last one an ellipsis when it was cut)."""
    global _last
    last, last_limit, previewed = _last
    if text is last and limit == last_limit:
        return previewed
    flat = " ".join(text.split())
    previewed = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    _last = (text, limit, previewed)
    return previewed
