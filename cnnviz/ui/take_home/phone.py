""" "Run it on your phone": the checked ONNX file on the app's own phone page, and a QR code to open it.

The page (``static/phone/index.html``) is served by this app (Streamlit's static serving), with the
vendored onnxruntime-web: no CDN, no internet, so it works in a classroom network without one. The
network is published under a random, expiring name (:func:`cnnviz.deploy.publish`) in
``static/phone/models/`` (``$CNNVIZ_PHONE_MODELS_DIR`` elsewhere, for tests). The QR code carries the
address the browser used, with a localhost address swapped for this computer's LAN address
(:func:`cnnviz.deploy.phone_url`), so a phone on the same Wi-Fi reaches it; on a hosted deployment the
address is the public one.
"""

from __future__ import annotations

import io
import json
import os
import threading
import zipfile
from pathlib import Path

import streamlit as st

from cnnviz.deploy import Published, lan_address, phone_manifest, phone_url, publish
from cnnviz.deploy.downloads import Download
from cnnviz.deploy.published import LIFETIME_SECONDS, MODEL_FILE, renew
from cnnviz.deploy.service import ExportSnapshot
from cnnviz.errors import InputError
from cnnviz.text import format_bytes
from cnnviz.ui.downloads import Exportable
from cnnviz.ui.links import qr_png

MODELS_DIR_ENV = "CNNVIZ_PHONE_MODELS_DIR"
#: The app's static folder (app.py's folder/static, served at /app/static/).
STATIC_DIR = Path(__file__).resolve().parents[3] / "static"


@st.cache_data(show_spinner=False)
def runtime_bytes() -> int:
    """The vendored onnxruntime-web's size on disk, as its VERSION.json records it."""
    files = json.loads((STATIC_DIR / "ort" / "VERSION.json").read_text())["files"]
    return sum(int(facts["bytes"]) for facts in files.values())


def models_dir() -> Path:
    """Where published networks go: ``static/phone/models`` unless ``$CNNVIZ_PHONE_MODELS_DIR`` says otherwise."""
    return Path(os.environ.get(MODELS_DIR_ENV) or STATIC_DIR / "phone" / "models")


@st.cache_resource(show_spinner=False)
def _published() -> tuple[dict[str, Published], threading.Lock]:
    """The server's published networks by network key (one folder per network, shared by every session)."""
    return {}, threading.Lock()


def _publish(item: Exportable, onnx: Download) -> Published:
    kept, lock = _published()
    with lock:
        found = kept.get(item.key)
        renewed = renew(found) if found is not None else None
        if renewed is not None:
            kept[item.key] = renewed
            return renewed
        with zipfile.ZipFile(io.BytesIO(onnx.data or b"")) as archive:
            model = archive.read(MODEL_FILE)
        manifest = phone_manifest(
            item.model(), item.class_names, MODEL_FILE, title=item.title[:100], centre=item.centre
        )
        published = kept[item.key] = publish(model, manifest, models_dir())
        for key in [key for key, old in kept.items() if not old.folder.is_dir()]:
            del kept[key]  # removed by publish's clean-up (expired, or room made for newer ones)
        return published


def phone_section(item: Exportable, snapshot: ExportSnapshot | None) -> None:
    """The QR code and address of the phone page running ``item``'s checked ONNX file, with what to know."""
    st.markdown(
        "Scan the QR code with a phone: its browser opens a small page of this app that loads the network "
        "and runs it **on the phone itself**. Draw with your finger or take a photo: the prediction appears "
        "at once, and nothing you draw leaves the phone."
    )
    onnx = snapshot.downloads.get("onnx") if snapshot is not None else None
    if onnx is None:
        st.info("Prepare the downloads above first: the phone runs the checked ONNX file.", icon=":material/info:")
        return
    if not onnx.offered:
        st.warning(f"The phone runs the ONNX file, which is not offered for this network: {onnx.check.reason}")
        return
    try:
        published = _publish(item, onnx)
    except InputError as error:
        st.error(str(error))
        return
    page, base = st.context.url or "http://localhost:8501/", str(st.get_option("server.baseUrlPath") or "")
    url, swapped = phone_url(page, published.manifest_path, base_path=base, lan=lan_address())
    here, _ = phone_url(page, published.manifest_path, base_path=base)  # this computer reaches itself as it is
    code, words = st.columns([1, 2], gap="large")
    picture = qr_png(url)  # an address of ~120 characters: far below what a QR code holds
    if picture is not None:
        code.image(picture, width=260, caption="Scan with the phone's camera", alt=f"QR code of {url}")
    with words:
        st.code(url, language=None, wrap_lines=True)
        st.link_button("Open the phone page on this computer", here, icon=":material/open_in_new:")
        notes = [
            f"The phone downloads the network ({format_bytes(onnx.check.size_bytes)}) and, the first time only, "
            f"its runtime (onnxruntime-web, {format_bytes(runtime_bytes())}, about 3.6 MiB on the wire), both "
            "from this app: no internet needed. The page keeps the runtime on the phone for the next visits.",
            f"This QR code works for {LIFETIME_SECONDS // 3600} hours after it was last shown here.",
        ]
        if swapped:
            notes.insert(
                0,
                "The address uses this computer's network address instead of “localhost”: the phone must be on "
                "the same network (the classroom Wi-Fi), and this computer's firewall must let the port in.",
            )
        if url.startswith("http://"):
            notes.append(
                "On an http:// address phones do not allow the live camera in a web page: “Take or choose a "
                "picture” opens the camera app instead (on an https:// deployment the live camera works too)."
            )
        st.markdown("\n".join(f"- {note}" for note in notes))
