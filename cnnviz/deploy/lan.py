"""The phone page's address as a phone must type it: the app's own host, never "localhost".

A teacher opens the app on the classroom computer as ``http://localhost:8501``; a phone on the same
network reaches that computer at its LAN address (``http://192.168.1.20:8501``), which Streamlit listens
on too (it binds every interface unless ``server.address`` says otherwise). :func:`phone_url` keeps the
scheme, port and base path of the address the browser used and swaps a loopback host for
:func:`lan_address`; a real host name (a hosted deployment, or the LAN address itself) is kept as it is.
No internet is needed: finding the LAN address sends no packet.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import quote, urlsplit, urlunsplit

LOOPBACK_NAMES = frozenset({"localhost", "0.0.0.0", "::", "ip6-localhost"})
PHONE_PAGE = "app/static/phone/index.html"


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this computer only (localhost, 127.x.y.z, ::1, 0.0.0.0)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def lan_address() -> str | None:
    """This computer's IPv4 address on its network (the one its default route uses), or None without one.

    A UDP socket "connected" to a private address picks the outgoing interface without sending anything.
    """
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.connect((probe, 9))
                address = udp.getsockname()[0]
        except OSError:
            continue
        if address and not is_loopback(address):
            return address
    return None


def phone_url(page_url: str, model: str, *, base_path: str = "", lan: str | None = None) -> tuple[str, bool]:
    """``(address of the phone page running model, whether localhost was replaced by the LAN address)``.

    ``page_url`` is the address the browser shows (``st.context.url``), ``model`` the manifest's path
    relative to the phone page, ``base_path`` Streamlit's ``server.baseUrlPath``. A loopback host is
    replaced by ``lan`` (when there is one); IPv6 addresses keep their brackets.
    """
    parts = urlsplit(page_url)
    host, swapped = parts.hostname or "localhost", False
    if is_loopback(host) and lan:
        host, swapped = lan, True
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    base = "/".join(part for part in base_path.strip("/").split("/") if part)
    path = "/" + "/".join(part for part in (base, PHONE_PAGE) if part)
    return urlunsplit((parts.scheme or "http", netloc, path, f"model={quote(model, safe='/')}", "")), swapped
