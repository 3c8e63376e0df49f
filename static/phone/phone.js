// Run an ONNX network exported by CNN Explorer in the browser, with the app's own copy of
// onnxruntime-web (static/ort/, vendored by scripts/vendor_onnxruntime_web.py): no CDN, no internet.
//
// A network is described by a manifest (cnnviz.deploy.phone_manifest) served by the app:
//   {"model": "x.onnx", "input_name": "image", "output_name": "scores",
//    "input_shape": [H, W, C], "class_names": [...], "title": "...", "probabilities": true}
// The model's address is relative to the manifest and, like the manifest, must come from this app.
import * as ort from "../ort/ort.wasm.bundle.min.mjs";

// Only the binary's address: a folder here would make the runtime fetch a separate loader (.mjs) that
// this bundle already contains and that is not vendored.
ort.env.wasm.wasmPaths = { wasm: new URL("../ort/ort-wasm-simd-threaded.wasm", import.meta.url).href };
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

/** Fetch the manifest at `manifestAddress` and start an inference session on its model. */
export async function loadNetwork(manifestAddress) {
  const manifestUrl = sameOrigin(manifestAddress);
  const answer = await fetch(manifestUrl);
  if (!answer.ok) {
    throw new Error(`The network's description is missing (${answer.status}).`);
  }
  const manifest = await answer.json();
  const modelUrl = sameOrigin(manifest.model, manifestUrl);
  const session = await ort.InferenceSession.create(modelUrl.href, { executionProviders: ["wasm"] });
  return { manifest, session };
}

/**
 * A picture (img, canvas, video frame or ImageBitmap) as the model's float32 input (1, H, W, C) in [0, 1]:
 * resized to W×H, then grayscale exactly as Pillow's convert("L") (the README's example) or R, G, B.
 */
export function pictureToInput(picture, [height, width, channels]) {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(picture, 0, 0, width, height);
  const rgba = context.getImageData(0, 0, width, height).data;
  const input = new Float32Array(height * width * channels);
  for (let pixel = 0; pixel < height * width; pixel += 1) {
    const [r, g, b] = [rgba[4 * pixel], rgba[4 * pixel + 1], rgba[4 * pixel + 2]];
    if (channels === 1) {
      input[pixel] = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) / 255;
    } else {
      input.set([r / 255, g / 255, b / 255], 3 * pixel);
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
