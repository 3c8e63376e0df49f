"""What the teacher puts on the board: the join code in large type, the join link and its QR code; and,
out of the projector's sight, the private teacher link."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

from cnnviz.text import literal_markdown
from cnnviz.ui.class_room.access import TEACHER_PARAM
from cnnviz.ui.links import qr_png
from cnnviz.ui.navigation import CLASS

CLASS_PARAM = "class"  # the join link's code: /class?class=K7QM4XTR

_CODE_CSS = """
<style>
.class-code { font-size: clamp(2.6rem, 9vw, 6rem); font-weight: 800; letter-spacing: 0.08em;
  font-family: ui-monospace, Menlo, Consolas, monospace; line-height: 1.1; margin: 0.2rem 0; }
</style>
"""


def class_url(**params: str) -> str:
    """The Class page's address on this server with ``params`` (the join link, the teacher link)."""
    here = urlsplit(st.context.url or "")
    base = f"{here.scheme}://{here.netloc}" if here.scheme and here.netloc else ""
    return f"{base}/{CLASS.url_path}?{urlencode(params)}"


def join_board(code: str, code_shown: str, title: str) -> None:
    """The code in large type, the join link and its QR code: for the board and the projector."""
    link = class_url(**{CLASS_PARAM: code})
    st.html(_CODE_CSS)
    text, qr = st.columns([3, 1], vertical_alignment="center")
    with text:
        st.markdown(f"### :material/groups: {literal_markdown(title)}")
        st.markdown("Join at the **Class** page with this code:")
        st.html(f'<div class="class-code" aria-label="Join code {" ".join(code_shown)}">{code_shown}</div>')
        st.markdown("or open the link (scan the QR code):")
        st.code(link, language=None, wrap_lines=True)
    picture = qr_png(link)  # a join link is short: always a QR code
    if picture is not None:
        qr.image(picture, width=220, alt=f"QR code of the join link {link}")


def teacher_link_box(teacher_key: str) -> None:
    """The private teacher link, folded away: it opens this dashboard on another device."""
    with st.expander(":material/key: Your private teacher link (keep it off the projector)"):
        st.markdown(
            "This link opens this dashboard on any device, for example your phone. Anyone who has it can "
            "lead this class: keep it private. This browser remembers it for you."
        )
        st.code(class_url(**{TEACHER_PARAM: teacher_key}), language=None, wrap_lines=True)
