// The run tracker of the real-browser tests (tests/e2e/browser.py installs it in every tab).
// Runs in every document before the app's code and wraps WebSocket to follow Streamlit's own messages:
// each run the page asks for (a rerun_script BackMsg) stays in `pending` until a run that started after it
// (a new_session ForwardMsg) has finished (script_finished): a full run, or a fragment run of its fragment.
// A timer's automatic fragment reruns are not the test's doing and are not waited for. `waited` is the
// number of requests the test has already waited for (set by tests/e2e/browser.py's wait_idle); `received`
// and `finished` count the messages and finished runs seen, for check_run_tracker's diagnosis. `changed` is
// when the page's elements last changed: the frontend draws a finished run's elements over the next few
// hundred milliseconds (and only then registers, e.g., a button's keyboard shortcut).
// The F object below: the protobuf field numbers, read in Python from Streamlit's message definitions.
(() => {
  const F = __FIELDS__;
  const runs = window.__cnnvizRuns = {
    requests: 0, waited: 0, pending: [], starts: {}, seq: 0, received: 0, finished: 0, changed: 0};
  new MutationObserver(() => { runs.changed = performance.now(); })
    .observe(document, {childList: true, subtree: true});
  const bytesOf = (data) => data instanceof ArrayBuffer ? new Uint8Array(data)
    : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
  const fields = (bytes) => {  // the top-level fields of one protobuf message: [number, varint or bytes]
    const out = []; let i = 0;
    const varint = () => { let value = 0, scale = 1, byte;
      do { byte = bytes[i++]; value += (byte & 127) * scale; scale *= 128; } while (byte & 128);
      return value; };
    while (i < bytes.length) {
      const tag = varint(), number = Math.floor(tag / 8), wire = tag & 7;
      if (wire === 0) out.push([number, varint()]);
      else if (wire === 2) { const size = varint(); out.push([number, bytes.subarray(i, i + size)]); i += size; }
      else if (wire === 1) i += 8; else if (wire === 5) i += 4; else break;
    }
    return out;
  };
  const all = (list, number) => list.filter(([n]) => n === number).map(([, value]) => value);
  const text = (bytes) => new TextDecoder().decode(bytes);
  const identity = (message) => {  // [run id, fragment ids] of a new_session or script_finished
    const run = all(fields(all(message, F.metadata)[0] || new Uint8Array()), F.run)[0] || new Uint8Array();
    const parts = fields(run);
    return [text(all(parts, F.runId)[0] || new Uint8Array()), all(parts, F.runFragments).map(text)];
  };
  const sent = (data) => {
    const bytes = bytesOf(data); if (!bytes) return;
    const rerun = all(fields(bytes), F.rerun)[0]; if (!rerun) return;
    const state = fields(rerun);
    if (all(state, F.auto)[0]) return;
    const fragment = all(state, F.fragment)[0];
    runs.requests += 1;
    runs.pending.push({seq: ++runs.seq, fragment: fragment && fragment.length ? text(fragment) : ''});
  };
  const received = (data) => {
    const bytes = bytesOf(data); if (!bytes) return;
    runs.received += 1;
    const message = fields(bytes);
    if (all(message, F.newSession).length) { runs.starts[identity(message)[0]] = ++runs.seq; return; }
    const status = all(message, F.finished);
    if (!status.length || status[0] === F.early) return;
    runs.finished += 1;
    const [id, fragments] = identity(message);
    const start = runs.starts[id] ?? 0;
    runs.pending = runs.pending.filter((request) => !(request.seq < start
      && (fragments.length === 0 || fragments.includes(request.fragment))));
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => { try { received(event.data); } catch (e) {} });
    }
    send(data) { try { sent(data); } catch (e) {} return super.send(data); }
  };
})();
