"""A light Streamlit client: one real browser session, driven through Streamlit's own websocket.

It speaks what the frontend speaks on ``ws://HOST:PORT/_stcore/stream`` (subprotocol
``"streamlit"``): it sends ``BackMsg.rerun_script`` with a ``ClientState`` (the page by url path
or script hash, the query string, the widget states) and reads ``ForwardMsg``s back:
``new_session`` starts a run, ``delta``s carry the elements, ``script_finished`` ends the run,
``navigation`` lists the pages, ``auto_rerun`` asks for a fragment to rerun every few seconds
(answered like the frontend does while the session is idle). No browser, so a load test measures
the server rather than sixteen Chromiums fighting over the same cores.

Widgets are found by their label in the last run's elements; a change is sent the way the
frontend sends it (``double_value`` for a number input, ``trigger_value`` once for a button, ...).
A widget drawn by an ``@st.fragment`` reruns only that fragment, as in the browser: the run then
returned holds the fragment's elements only.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

#: Which WidgetState field the frontend fills for each widget element type.
VALUE_FIELDS = {
    "number_input": "double_value",
    "slider": "double_array_value",
    "selectbox": "string_value",
    "radio": "string_value",
    "text_input": "string_value",
    "text_area": "string_value",
    "checkbox": "bool_value",
    "button": "trigger_value",
    "tabs": "string_value",  # st.tabs(..., on_change="rerun"): the open tab's label
}
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


class SessionError(Exception):
    """The session broke: disconnected, timed out, or a widget it was asked to use is missing."""


@dataclass(frozen=True)
class Widget:
    """A widget seen in a run: element type (``"number_input"``, ``"button"``...), id, label and the
    id of the ``@st.fragment`` that drew it ("" outside fragments)."""

    kind: str
    id: str
    label: str
    fragment_id: str = ""


@dataclass
class Run:
    """What one script run sent back.

    ``seconds`` is wall time from sending the rerun to ``script_finished`` (the server's work plus
    the websocket round trip). ``exceptions`` are the tracebacks the page showed (type: message),
    ``errors`` the ``st.error`` texts, ``media`` the ``/media/...`` URLs of its images.
    """

    page: str
    seconds: float = 0.0
    widgets: list[Widget] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def widget(self, label: str, kind: str | None = None) -> Widget:
        """The first widget whose label starts with ``label`` (and of that kind, if given)."""
        for widget in self.widgets:
            if widget.label.startswith(label) and kind in (None, widget.kind):
                return widget
        raise SessionError(f"no {kind or 'widget'} labelled {label!r} on page {self.page!r}")

    def has_widget(self, label: str, kind: str | None = None) -> bool:
        return any(w.label.startswith(label) and kind in (None, w.kind) for w in self.widgets)


class Session:
    """One Streamlit session on a running server; use as ``async with Session(port) as s``.

    ``timeout`` bounds each script run (seconds). ``follow_auto_reruns`` answers the server's
    ``auto_rerun`` requests (a ``@st.fragment(run_every=...)`` polling, e.g. training progress)
    while no other run is pending, as the browser does.
    """

    def __init__(
        self, port: int, *, host: str = "127.0.0.1", timeout: float = 60.0, follow_auto_reruns: bool = True
    ) -> None:
        self.base = f"{host}:{port}"
        self.timeout = timeout
        self.follow_auto_reruns = follow_auto_reruns
        self.pages: dict[str, str] = {}  # url path -> page script hash, from the navigation message
        self.last_run = Run(page="")  # the latest full run, awaited or not (e.g. a fragment's st.rerun)
        self.last_fragment = Run(page="")  # the latest fragment run (e.g. a progress poll)
        self.fragment_runs = 0
        self.script_running = False  # as the server last said (session_status_changed)
        self.background_exceptions: list[str] = []  # shown by runs nobody awaited (fragments, st.rerun)
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._page = ""
        self._query = ""
        self._page_hash = ""
        self._states: dict[str, WidgetState] = {}
        self._pending: asyncio.Future | None = None
        self._awaiting_start = False
        self._awaited_fragment = ""  # the fragment whose rerun ``_pending`` waits for ("" = a full run)
        self._in_fragment_run = False  # the run now sending deltas reruns fragments only
        self._timers: dict[str, asyncio.Task] = {}
        self._closed_reason: str | None = None

    async def __aenter__(self) -> Session:
        self._ws = await connect(
            f"ws://{self.base}/_stcore/stream", subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        for timer in self._timers.values():
            timer.cancel()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    # ---- what a user does -------------------------------------------------------------------

    async def open(self, url_path: str, query: str = "") -> Run:
        """Open a page by url path ("" is home) with the link's ``query`` ("teacher=…"): a fresh visit the
        first time, then a sidebar click."""
        self._page, self._query = url_path, query
        self._page_hash = self.pages.get(url_path, "")
        return await self._rerun()

    async def set(self, widget: Widget, value: Any) -> Run:
        """Change a widget's value (a button: ``value`` ignored, it is clicked) and rerun the page."""
        value_field = VALUE_FIELDS.get(widget.kind)
        if value_field is None:
            raise SessionError(f"cannot set a {widget.kind} widget ({widget.label!r})")
        state = WidgetState(id=widget.id)
        if value_field == "double_array_value":
            state.double_array_value.data.extend([float(v) for v in value])
        elif value_field == "trigger_value":
            state.trigger_value = True
        else:
            setattr(state, value_field, value)
        self._states[widget.id] = state
        try:
            return await self._rerun(widget.fragment_id)
        finally:
            if value_field == "trigger_value":
                self._states.pop(widget.id, None)  # a click is sent once, like the frontend does

    @property
    def polling(self) -> bool:
        """True while the page has a fragment rerunning itself every few seconds (``run_every``)."""
        return bool(self._timers)

    async def fetch_media(self, run: Run) -> int:
        """GET the run's images the way the browser would; returns bytes read (raises on HTTP errors)."""

        def get(url: str) -> int:
            with urllib.request.urlopen(f"http://{self.base}{url}", timeout=self.timeout) as answer:
                return len(answer.read())

        sizes = await asyncio.gather(*(asyncio.to_thread(get, url) for url in run.media))
        return sum(sizes)

    # ---- the protocol -----------------------------------------------------------------------

    def _client_state(self, fragment_id: str = "", *, auto: bool = False) -> ClientState:
        state = ClientState(
            query_string=self._query,
            page_script_hash=self._page_hash,
            page_name=self._page,
            fragment_id=fragment_id,
            is_auto_rerun=auto,
        )
        state.widget_states.widgets.extend(self._states.values())
        return state

    async def _send(self, state: ClientState) -> None:
        if self._ws is None or self._closed_reason:
            raise SessionError(f"disconnected: {self._closed_reason}")
        message = BackMsg()
        message.rerun_script.CopyFrom(state)
        await self._ws.send(message.SerializeToString())

    async def _rerun(self, fragment_id: str = "") -> Run:
        """Rerun the page (or only the fragment ``fragment_id``) and wait until that run finished."""
        loop = asyncio.get_running_loop()
        self._pending = loop.create_future()
        self._awaiting_start, self._awaited_fragment = True, fragment_id
        start = time.perf_counter()
        try:
            await self._send(self._client_state(fragment_id))
            run = await asyncio.wait_for(self._pending, self.timeout)
        except TimeoutError as timeout:
            raise SessionError(f"page {self._page!r}: no script_finished within {self.timeout:.0f} s") from timeout
        finally:
            self._pending = None
        run.seconds = time.perf_counter() - start
        # Forget the states of widgets that are gone: all of the page's, or only the fragment's.
        active = {w.id for w in run.widgets}
        kept = {w.id for w in self.last_run.widgets if w.fragment_id != fragment_id} if fragment_id else set()
        self._states = {wid: s for wid, s in self._states.items() if wid in active | kept}
        return run

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                self._handle(ForwardMsg.FromString(frame))
        except Exception as error:  # noqa: BLE001 - any reader failure ends the session the same way
            self._closed_reason = f"{type(error).__name__}: {error}"
        else:
            self._closed_reason = "the server closed the websocket"
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(SessionError(f"page {self._page!r}: disconnected ({self._closed_reason})"))

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            fragments = msg.metadata.run.fragment_ids
            self._in_fragment_run = bool(fragments)
            if fragments:
                self.last_fragment = Run(page=self._page)
                if self._awaited_fragment in fragments:
                    self._awaiting_start = False
            else:  # a full run starts (also when an awaited fragment called st.rerun): it replaces the last run
                self.last_run = Run(page=self._page)
                self._awaiting_start, self._awaited_fragment = False, ""
                for timer in self._timers.values():
                    timer.cancel()
                self._timers.clear()
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
            self._page_hash = msg.navigation.page_script_hash  # the page that runs (new_session names app.py)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._record(msg.delta.new_element, fragment_id=msg.delta.fragment_id)
        elif kind == "delta" and msg.delta.WhichOneof("type") == "add_block":
            block = msg.delta.add_block
            if block.WhichOneof("type") == "tab_container" and block.tab_container.id:  # tabs that rerun: a widget
                run = self.last_fragment if self._in_fragment_run else self.last_run
                run.widgets.append(Widget("tabs", block.tab_container.id, "tabs", msg.delta.fragment_id))
        elif kind == "page_info_changed":  # the script changed st.query_params: the address bar follows
            self._query = msg.page_info_changed.query_string
        elif kind == "session_status_changed":
            self.script_running = msg.session_status_changed.script_is_running
        elif kind == "page_not_found":
            self._fail(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            error = msg.session_event.script_compilation_exception
            self._fail(f"{error.type}: {error.message}")
        elif kind == "auto_rerun" and self.follow_auto_reruns:
            fragment, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            if fragment not in self._timers:
                self._timers[fragment] = asyncio.create_task(self._auto_rerun(fragment, interval))
        elif kind == "stop_auto_rerun":
            for fragment in msg.stop_auto_rerun.fragment_ids:
                timer = self._timers.pop(fragment, None)
                if timer is not None:
                    timer.cancel()
        elif kind == "script_finished":
            status = msg.script_finished
            fragment_run = status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
            self.fragment_runs += fragment_run
            awaited = fragment_run if self._awaited_fragment else status in DONE
            if awaited and not self._awaiting_start and self._pending is not None and not self._pending.done():
                self._pending.set_result(self.last_fragment if fragment_run else self.last_run)

    def _record(self, element: Any, *, fragment_id: str) -> None:
        fragment = self._in_fragment_run
        run = self.last_fragment if fragment else self.last_run
        kind = element.WhichOneof("type")
        body = getattr(element, kind) if kind else None
        if kind == "exception":
            where = [line.strip().splitlines()[0] for line in body.stack_trace if line.strip().startswith("File")][-1:]
            text = f"{body.type}: {body.message}" + (f" ({where[0]})" if where else "")
            run.exceptions.append(text)
            if fragment or self._pending is None:
                self.background_exceptions.append(f"{self._page or 'home'}: {text}")
        elif kind == "alert":  # every alert's text; errors also apart
            if body.format == Alert.ERROR:
                run.errors.append(body.body)
            run.texts.append(body.body)
        elif kind == "imgs":
            run.media += [img.url for img in body.imgs if img.url.startswith("/media/")]
        elif kind in ("markdown", "heading"):
            run.texts.append(body.body)
        elif kind == "code":
            run.texts.append(body.code_text)
        elif kind == "metric":
            run.texts.append(f"{body.label}: {body.body}")
        elif kind == "progress":
            run.texts.append(body.text)
        elif kind is not None and hasattr(body, "id") and hasattr(body, "label"):
            run.widgets.append(Widget(kind, body.id, body.label, fragment_id))

    def _fail(self, reason: str) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(SessionError(reason))

    async def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        """Rerun one fragment every ``interval`` seconds while no other run is waiting (as the browser)."""
        while not self._closed_reason:
            await asyncio.sleep(interval)
            if self._pending is None:
                with contextlib.suppress(SessionError, ConnectionClosed):  # the reader reports the disconnect
                    await self._send(self._client_state(fragment_id, auto=True))
