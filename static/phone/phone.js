// Run an ONNX network exported by CNN Explorer in the browser, with the app's own copy of
// onnxruntime-web (static/ort/, vendored by scripts/vendor_onnxruntime_web.py): no CDN, no internet.
//
// A network is described by a manifest (cnnviz.deploy.phone_manifest) served by the app:
//   {"model": "x.onnx", "input_name": "image", "output_name": "scores", "input_shape": [H, W, C],
//    "class_names": [...], "title": "...", "probabilities": true, "centre": true}
// The model's address is relative to the manifest and, like the manifest, must come from this app.
import * as ort from "../ort/ort.wasm.bundle.min.mjs";

const RUNTIME_DIR = new URL("../ort/", import.meta.url);
const WASM_FILE = "ort-wasm-simd-threaded.wasm";
// The binary itself comes from runtimeBinary(); the address is the fallback, never a folder (a folder would
// make the runtime fetch a separate loader (.mjs) that this bundle already contains and that is not vendored).
ort.env.wasm.wasmPaths = { wasm: new URL(WASM_FILE, RUNTIME_DIR).href };
// One thread: several need SharedArrayBuffer, i.e. cross-origin-isolation headers Streamlit does not send.
ort.env.wasm.numThreads = 1;

/** The address as a URL of this app; anything from another origin is refused. */
export function sameOrigin(address, base = document.baseURI) {
  const url = new URL(address, base);
  if (url.origin !== window.location.origin) {
    throw new Error("The network must come from this app.");
  }
  return url;
}

// ---------------------------------------------------------------- the runtime, kept on the device
// Streamlit serves static files without Cache-Control and answers every request in full, so the 14 MB
// (3.7 MB gzipped) WebAssembly runtime would travel again on every visit. The page keeps it in the
// browser's IndexedDB under its SHA-256 (from static/ort/VERSION.json): the next visit, and every
// phone on a slow classroom network, starts from the copy on the device. IndexedDB works on plain
// LAN addresses without https too, where service workers and the Cache API are not available.
const STORE = "runtime";

function openStore() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("cnnviz-phone", 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function inStore(db, mode, action) {
  return new Promise((resolve, reject) => {
    const request = action(db.transaction(STORE, mode).objectStore(STORE));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The runtime's WebAssembly bytes and where they came from ("this device" or "the app"). */
export async function runtimeBinary() {
  const version = await (await fetch(new URL("VERSION.json", RUNTIME_DIR))).json();
  const key = `${version.version}-${version.files[WASM_FILE].sha256}`;
  let db = null;
  try {
    db = await openStore();
    const kept = await inStore(db, "readonly", (store) => store.get(key));
    if (kept) return { bytes: kept, from: "this device" };
  } catch {
    db = null; // private browsing or no storage: fetch it every time, as without the store
  }
  const answer = await fetch(new URL(WASM_FILE, RUNTIME_DIR));
  if (!answer.ok) throw new Error(`The runtime is missing (${answer.status}).`);
  const bytes = await answer.arrayBuffer();
  if (db) {
    try {
      await inStore(db, "readwrite", (store) => store.clear()); // an older version's copy goes
      await inStore(db, "readwrite", (store) => store.put(bytes, key));
    } catch {
      // no room on the device: it still runs, and downloads again next time
    }
  }
  return { bytes, from: "the app" };
}

/** Fetch the manifest at `manifestAddress` and start an inference session on its model. */
export async function loadNetwork(manifestAddress) {
  const manifestUrl = sameOrigin(manifestAddress);
  const answer = await fetch(manifestUrl);
  if (!answer.ok) {
    throw new Error(
      answer.status === 404
        ? "This network is no longer here (its QR code expired or the server restarted): make a new QR code in the app."
        : `The network's description is missing (${answer.status}).`,
    );
  }
  const manifest = await answer.json();
  const modelUrl = sameOrigin(manifest.model, manifestUrl);
  const runtime = await runtimeBinary();
  ort.env.wasm.wasmBinary = runtime.bytes;
  const session = await ort.InferenceSession.create(modelUrl.href, { executionProviders: ["wasm"] });
  return { manifest, session, runtimeFrom: runtime.from };
}

// ---------------------------------------------------------------- pictures to the network's input
function pixels(picture, width, height) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.imageSmoothingQuality = "high";
  context.drawImage(picture, 0, 0, width, height);
  return context.getImageData(0, 0, width, height).data;
}

/** Luma as Pillow's convert("L") (the README's example), 0-255. */
function luma(rgba, pixel) {
  const [r, g, b] = [rgba[4 * pixel], rgba[4 * pixel + 1], rgba[4 * pixel + 2]];
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** The size of a picture: an img, a canvas or a video frame. */
function sizeOf(picture) {
  return [picture.naturalWidth || picture.videoWidth || picture.width, picture.naturalHeight || picture.videoHeight || picture.height];
}

/**
 * A picture (img, canvas, video frame or ImageBitmap) as the model's float32 input (1, H, W, C) in [0, 1]:
 * resized to W×H, then grayscale exactly as Pillow's convert("L") (the README's example) or R, G, B.
 */
export function pictureToInput(picture, [height, width, channels]) {
  const rgba = pixels(picture, width, height);
  const input = new Float32Array(height * width * channels);
  for (let pixel = 0; pixel < height * width; pixel += 1) {
    if (channels === 1) {
      input[pixel] = luma(rgba, pixel) / 255;
    } else {
      input.set([rgba[4 * pixel] / 255, rgba[4 * pixel + 1] / 255, rgba[4 * pixel + 2] / 255], 3 * pixel);
    }
  }
  return input;
}

/**
 * A drawing or a photo of one, prepared as the MNIST digits were (cnnviz.images.to_model_input with
 * center=True): light strokes on dark (dark ink on light paper is inverted), cropped to the strokes,
 * fitted into 20/28 of the side keeping the aspect ratio, shifted so the centre of mass is in the middle.
 */
export function centredInput(picture, [height, width, channels]) {
  const [sourceWidth, sourceHeight] = sizeOf(picture);
  const scale = Math.min(1, 280 / Math.max(sourceWidth, sourceHeight)); // work on at most 280 px
  const [w, h] = [Math.max(1, Math.round(sourceWidth * scale)), Math.max(1, Math.round(sourceHeight * scale))];
  const rgba = pixels(picture, w, h);
  let values = Float32Array.from({ length: w * h }, (_, pixel) => luma(rgba, pixel) / 255);
  const border = [];
  for (let x = 0; x < w; x += 1) border.push(values[x], values[(h - 1) * w + x]);
  for (let y = 0; y < h; y += 1) border.push(values[y * w], values[y * w + w - 1]);
  border.sort((a, b) => a - b);
  let background = border[Math.floor(border.length / 2)];
  if (background > 0.5) {
    values = values.map((v) => 1 - v);
    background = 1 - background;
  }
  const strokes = values.map((v) => Math.max(0, v - background));
  const input = new Float32Array(height * width * channels);
  const peak = strokes.reduce((a, b) => Math.max(a, b), 0);
  if (peak < 0.1) return input; // a blank picture: all zeros, as the app gives
  let [top, bottom, left, right] = [h, -1, w, -1];
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      if (strokes[y * w + x] / peak > 0.1) {
        [top, bottom, left, right] = [Math.min(top, y), Math.max(bottom, y), Math.min(left, x), Math.max(right, x)];
      }
    }
  }
  const [cropW, cropH] = [right - left + 1, bottom - top + 1];
  const crop = document.createElement("canvas");
  crop.width = cropW;
  crop.height = cropH;
  const cropPixels = new ImageData(cropW, cropH);
  for (let y = 0; y < cropH; y += 1) {
    for (let x = 0; x < cropW; x += 1) {
      const v = Math.round((255 * strokes[(top + y) * w + left + x]) / peak);
      cropPixels.data.set([v, v, v, 255], 4 * (y * cropW + x));
    }
  }
  crop.getContext("2d").putImageData(cropPixels, 0, 0);
  const box = Math.max(1, Math.round((20 * Math.min(height, width)) / 28));
  const fit = box / Math.max(cropW, cropH);
  const [newW, newH] = [Math.max(1, Math.round(cropW * fit)), Math.max(1, Math.round(cropH * fit))];
  const small = pixels(crop, newW, newH);
  const smallValues = Float32Array.from({ length: newW * newH }, (_, pixel) => small[4 * pixel] / 255);
  const smallPeak = Math.max(1e-6, smallValues.reduce((a, b) => Math.max(a, b), 0));
  let [mass, rows, cols] = [0, 0, 0];
  smallValues.forEach((v, pixel) => {
    const value = v / smallPeak;
    smallValues[pixel] = value;
    mass += value;
    rows += Math.floor(pixel / newW) * value;
    cols += (pixel % newW) * value;
  });
  const clamp = (value, high) => Math.min(Math.max(value, 0), high);
  const y0 = clamp(Math.round((height - 1) / 2 - rows / mass), height - newH);
  const x0 = clamp(Math.round((width - 1) / 2 - cols / mass), width - newW);
  for (let y = 0; y < newH; y += 1) {
    for (let x = 0; x < newW; x += 1) {
      for (let c = 0; c < channels; c += 1) {
        input[((y0 + y) * width + x0 + x) * channels + c] = smallValues[y * newW + x];
      }
    }
  }
  return input;
}

/** The network's scores for one input, its best class index and that class's name. */
export async function predict(network, input) {
  const { manifest, session } = network;
  const tensor = new ort.Tensor("float32", input, [1, ...manifest.input_shape]);
  const outputs = await session.run({ [manifest.input_name]: tensor });
  const scores = Array.from(outputs[manifest.output_name].data);
  const best = scores.indexOf(Math.max(...scores));
  return { scores, best, label: manifest.class_names[best] };
}

/** Scores as probabilities (a softmax for a network that gives raw scores). */
export function probabilities(scores, already) {
  if (already) return scores;
  const top = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - top));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
