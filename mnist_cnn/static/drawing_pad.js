// A 28x28 drawing pad, drawn 10x larger. Each stroke paints a soft round brush into the
// grid (as a pen's ink spreads into neighbouring pixels); the 784 values (0-255) are sent
// to Python as the trait `pixels` a few times a second while drawing and at every stroke end.
const SIZE = 28;

// With no kernel behind the page (the static book), the trait `weights` holds the trained
// CNN (see mnist_cnn/webexport.py) and the pad reads the drawing itself, below: prepared the
// MNIST way as mnist_cnn.preprocess_drawing does, then run forward through the CNN.
const BOX = 20;  // MNIST digits fit in a 20x20 box inside the 28x28 image

// Python's round(): halves go to the even neighbour.
function roundHalfEven(value) {
  const floor = Math.floor(value), rest = value - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

// Pillow's LANCZOS resize of an 8-bit image (Resample.c): two passes, each rounded to 8 bits.
const PRECISION_BITS = 22;
function lanczos(x) {
  const sinc = (t) => (t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t));
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}
function coefficients(inSize, outSize) {
  const scale = inSize / outSize, filterScale = Math.max(scale, 1), support = 3 * filterScale;
  const bounds = [], weights = [];
  for (let out = 0; out < outSize; out++) {
    const centre = (out + 0.5) * scale;
    const first = Math.max(0, Math.trunc(centre - support + 0.5));
    const count = Math.min(inSize, Math.trunc(centre + support + 0.5)) - first;
    const raw = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const w = lanczos((i + first - centre + 0.5) / filterScale);
      raw.push(w);
      total += w;
    }
    weights.push(raw.map((w) => {
      const normal = total !== 0 ? w / total : w;
      return Math.trunc(normal < 0 ? -0.5 + normal * (1 << PRECISION_BITS) : 0.5 + normal * (1 << PRECISION_BITS));
    }));
    bounds.push(first);
  }
  return { bounds, weights };
}
function clip8(sum) {
  if (sum >= 2 ** (PRECISION_BITS + 8)) return 255;
  if (sum <= 0) return 0;
  return Math.floor(sum / 2 ** PRECISION_BITS);
}
function resizeLanczos(pixels, width, height, outWidth, outHeight) {
  let image = pixels, rows = height;
  const vertical = coefficients(height, outHeight);
  if (outWidth !== width) {  // horizontal pass over the rows the vertical pass will use
    const horizontal = coefficients(width, outWidth);
    const firstRow = vertical.bounds[0];
    const lastRow = vertical.bounds[outHeight - 1] + vertical.weights[outHeight - 1].length;
    rows = lastRow - firstRow;
    const next = new Uint8Array(outWidth * rows);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < outWidth; x++) {
        let sum = 2 ** (PRECISION_BITS - 1);
        const first = horizontal.bounds[x], weights = horizontal.weights[x];
        for (let i = 0; i < weights.length; i++) sum += image[(y + firstRow) * width + first + i] * weights[i];
        next[y * outWidth + x] = clip8(sum);
      }
    }
    vertical.bounds = vertical.bounds.map((first) => first - firstRow);
    image = next;
  }
  if (outHeight === height) return image === pixels ? Uint8Array.from(pixels) : image;
  const result = new Uint8Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const first = vertical.bounds[y], weights = vertical.weights[y];
    for (let x = 0; x < outWidth; x++) {
      let sum = 2 ** (PRECISION_BITS - 1);
      for (let i = 0; i < weights.length; i++) sum += image[(first + i) * outWidth + x] * weights[i];
      result[y * outWidth + x] = clip8(sum);
    }
  }
  return result;
}

// mnist_cnn.preprocess_drawing in JavaScript: `pixels` holds height x width values 0-255.
// Returns {image: 784 values 0-255} or {error: "empty" | "small"}.
export function preprocess(pixels, width, height, minExtent) {
  const f32 = Math.fround;
  let ink = Float32Array.from(pixels, (value) => f32(value / 255));
  let border = 0, borderCount = 0;
  for (let x = 0; x < width; x++) { border += ink[x] + ink[(height - 1) * width + x]; borderCount += 2; }
  for (let y = 0; y < height; y++) { border += ink[y * width] + ink[y * width + width - 1]; borderCount += 2; }
  if (border / borderCount > 0.5) ink = ink.map((value) => f32(1 - value));  // dark ink on paper
  let top = height, bottom = -1, left = width, right = -1;
  const threshold = f32(0.05);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > threshold) {
        top = Math.min(top, y); bottom = Math.max(bottom, y);
        left = Math.min(left, x); right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return { error: "empty" };
  const cropHeight = bottom - top + 1, cropWidth = right - left + 1;
  if (Math.max(cropHeight, cropWidth) < minExtent * Math.max(height, width)) return { error: "small" };
  const crop = new Uint8Array(cropWidth * cropHeight);
  for (let y = 0; y < cropHeight; y++) {
    for (let x = 0; x < cropWidth; x++) {
      crop[y * cropWidth + x] = Math.trunc(f32(ink[(y + top) * width + x + left] * 255));
    }
  }
  const scale = BOX / Math.max(cropHeight, cropWidth);
  const outWidth = Math.max(1, roundHalfEven(cropWidth * scale));
  const outHeight = Math.max(1, roundHalfEven(cropHeight * scale));
  const digit = resizeLanczos(crop, cropWidth, cropHeight, outWidth, outHeight);
  let total = 0, rowMoment = 0, columnMoment = 0;
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const value = digit[y * outWidth + x];
      total += value; rowMoment += y * value; columnMoment += x * value;
    }
  }
  if (total === 0) return { error: "empty" };
  const shiftTop = roundHalfEven((SIZE - 1) / 2 - rowMoment / total);
  const shiftLeft = roundHalfEven((SIZE - 1) / 2 - columnMoment / total);
  const image = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const row = y + shiftTop, column = x + shiftLeft;  // clipped at the edges, as in MNIST
      if (row >= 0 && row < SIZE && column >= 0 && column < SIZE) image[row * SIZE + column] = digit[y * outWidth + x];
    }
  }
  return { image };
}

function decodeFloats(text) {
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

// The weights exported by mnist_cnn.webexport.export_weights, with arrays decoded.
export function decodeNetwork(network) {
  return network.layers.map((layer) =>
    layer.kernel ? { ...layer, kernel: decodeFloats(layer.kernel), bias: decodeFloats(layer.bias) } : layer);
}

function activate(values, activation) {
  if (activation === "relu") return values.map((v) => Math.max(0, v));
  if (activation === "softmax") {
    const top = Math.max(...values);
    const exps = values.map((v) => Math.exp(v - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((v) => v / total);
  }
  return values;
}

// The CNN's forward pass on one 28x28 image (784 values 0-255): returns its outputs (for the
// tutorial's CNN, 10 probabilities). Tensors are height x width x channels, as in Keras.
export function forward(layers, image) {
  let values = Float64Array.from(image), height = SIZE, width = SIZE, channels = 1;
  for (const layer of layers) {
    if (layer.type === "rescale") {
      values = values.map((v) => v * layer.scale + layer.offset);
    } else if (layer.type === "conv2d") {
      const [kh, kw, inputs, filters] = layer.kernel_shape;
      const pad = layer.padding === "same" ? [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2)] : [0, 0];
      const outHeight = layer.padding === "same" ? height : height - kh + 1;
      const outWidth = layer.padding === "same" ? width : width - kw + 1;
      const out = new Float64Array(outHeight * outWidth * filters);
      for (let y = 0; y < outHeight; y++) {
        for (let x = 0; x < outWidth; x++) {
          for (let f = 0; f < filters; f++) {
            let sum = layer.bias[f];
            for (let i = 0; i < kh; i++) {
              const row = y + i - pad[0];
              if (row < 0 || row >= height) continue;
              for (let j = 0; j < kw; j++) {
                const column = x + j - pad[1];
                if (column < 0 || column >= width) continue;
                for (let c = 0; c < inputs; c++) {
                  sum += values[(row * width + column) * channels + c] * layer.kernel[((i * kw + j) * inputs + c) * filters + f];
                }
              }
            }
            out[(y * outWidth + x) * filters + f] = sum;
          }
        }
      }
      values = activate(out, layer.activation);
      height = outHeight; width = outWidth; channels = filters;
    } else if (layer.type === "maxpool") {
      const size = layer.size, outHeight = Math.floor(height / size), outWidth = Math.floor(width / size);
      const out = new Float64Array(outHeight * outWidth * channels).fill(-Infinity);
      for (let y = 0; y < outHeight * size; y++) {
        for (let x = 0; x < outWidth * size; x++) {
          for (let c = 0; c < channels; c++) {
            const target = (Math.floor(y / size) * outWidth + Math.floor(x / size)) * channels + c;
            out[target] = Math.max(out[target], values[(y * width + x) * channels + c]);
          }
        }
      }
      values = out; height = outHeight; width = outWidth;
    } else if (layer.type === "flatten") {
      channels = values.length; height = 1; width = 1;
    } else if (layer.type === "dense") {
      const [inputs, units] = layer.kernel_shape;
      const out = new Float64Array(units);
      for (let u = 0; u < units; u++) {
        let sum = layer.bias[u];
        for (let i = 0; i < inputs; i++) sum += values[i] * layer.kernel[i * units + u];
        out[u] = sum;
      }
      values = activate(out, layer.activation);
      channels = units;
    } else {
      throw new Error(`unknown layer type ${layer.type}`);
    }
  }
  return Array.from(values);
}
// (end of the forward pass)

// The pad draws pixel values as brightness, as every picture of the series does: white ink on
// black. It can be used with a mouse, a finger or a pen, and from the keyboard: the arrow keys
// move a cursor, Space puts the pen down or lifts it, Delete clears; buttons load MNIST test
// digits (the trait `samples`), so that it is usable without drawing at all.
const KEYS_HELP = "Keyboard: Tab to the pad, arrow keys move the pen, Space puts it down or lifts it, Delete clears.";

function bytesOf(view) {
  if (!view) return new Uint8Array(0);
  if (view instanceof ArrayBuffer) return new Uint8Array(view);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function render({ model, el }) {
  const scale = model.get("scale");
  const container = document.createElement("div");
  container.className = "mnist-cnn-drawing-pad";
  const canvas = document.createElement("canvas");
  canvas.width = SIZE * scale;
  canvas.height = SIZE * scale;
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "application");
  canvas.setAttribute("aria-label", `Drawing pad, ${SIZE} by ${SIZE} pixels. ${KEYS_HELP}`);
  canvas.style.cssText = "border: 1px solid #888; cursor: crosshair; touch-action: none; display: block; max-width: 100%;";
  const buttons = document.createElement("div");
  buttons.className = "mnist-cnn-pad-buttons";
  buttons.style.cssText = "display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin-top: 6px; max-width: " + SIZE * scale + "px;";
  const clear = document.createElement("button");
  clear.textContent = "Clear";
  clear.className = "jupyter-button mnist-cnn-clear";
  buttons.append(clear);
  const sampleBytes = bytesOf(model.get("samples"));
  const sampleLabels = bytesOf(model.get("sample_labels"));
  const sampleButtons = [];
  if (sampleBytes.length >= SIZE * SIZE) {
    const intro = document.createElement("span");
    intro.textContent = "or load a test digit:";
    intro.style.cssText = "font-size: 13px; margin: 0 2px 0 8px;";
    buttons.append(intro);
    for (let i = 0; i < Math.floor(sampleBytes.length / (SIZE * SIZE)); i++) {
      const button = document.createElement("button");
      const label = sampleLabels.length > i ? sampleLabels[i] : i;
      button.textContent = String(label);
      button.className = "jupyter-button mnist-cnn-sample";
      button.setAttribute("aria-label", `Load test digit ${label}`);
      button.style.cssText = "min-width: 28px; padding: 0 6px;";
      sampleButtons.push([button, i]);
      buttons.append(button);
    }
  }
  const help = document.createElement("div");
  help.className = "mnist-cnn-pad-help";
  help.textContent = KEYS_HELP;
  help.style.cssText = "font-size: 12px; margin-top: 4px; max-width: " + SIZE * scale + "px; opacity: 0.8;";
  container.append(canvas, buttons, help);
  el.append(container);
  const reader = model.get("weights") ? makeReader(model, container) : null;

  const context = canvas.getContext("2d");
  let pixels = new Float32Array(SIZE * SIZE);
  const incoming = model.get("pixels");
  if (incoming && incoming.length === SIZE * SIZE) pixels = Float32Array.from(incoming);
  const pen = { row: 13, column: 13, down: false, shown: false };

  function draw() {
    context.fillStyle = "#000";
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (let row = 0; row < SIZE; row++) {
      for (let column = 0; column < SIZE; column++) {
        const value = Math.round(pixels[row * SIZE + column]);
        if (value > 0) {
          context.fillStyle = `rgb(${value},${value},${value})`;
          context.fillRect(column * scale, row * scale, scale, scale);
        }
      }
    }
    if (pen.shown) {  // the keyboard's cursor: an orange square, filled while the pen is down
      context.strokeStyle = "#E69F00";
      context.lineWidth = 2;
      context.strokeRect(pen.column * scale + 1, pen.row * scale + 1, scale - 2, scale - 2);
      if (pen.down) {
        context.fillStyle = "rgba(230,159,0,0.5)";
        context.fillRect(pen.column * scale + 3, pen.row * scale + 3, scale - 6, scale - 6);
      }
    }
  }

  let lastSent = 0;
  function send(force) {
    const now = Date.now();
    if (!force && now - lastSent < 150) return;
    lastSent = now;
    if (reader) reader(pixels);
    model.set("pixels", Array.from(pixels, (value) => Math.round(value)));
    try {
      model.save_changes();
    } catch (error) {
      // No kernel to send to (a static page); the pad reads the drawing itself.
    }
  }

  function paint(x, y) {
    const radius = model.get("brush");  // in grid cells
    const cx = x / scale, cy = y / scale;
    for (let row = Math.max(0, Math.floor(cy - radius - 1)); row <= Math.min(SIZE - 1, Math.ceil(cy + radius + 1)); row++) {
      for (let column = Math.max(0, Math.floor(cx - radius - 1)); column <= Math.min(SIZE - 1, Math.ceil(cx + radius + 1)); column++) {
        const distance = Math.hypot(column + 0.5 - cx, row + 0.5 - cy);
        const ink = 255 * Math.min(1, Math.max(0, radius + 0.5 - distance));
        const index = row * SIZE + column;
        if (ink > pixels[index]) pixels[index] = ink;
      }
    }
  }

  let drawing = false, last = null;
  function position(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  }
  function stroke(event) {
    const [x, y] = position(event);
    if (last) {  // fill the gap between two mouse events with small steps
      const steps = Math.max(1, Math.ceil(Math.hypot(x - last[0], y - last[1]) / (scale / 3)));
      for (let step = 1; step <= steps; step++) {
        paint(last[0] + (x - last[0]) * step / steps, last[1] + (y - last[1]) * step / steps);
      }
    } else {
      paint(x, y);
    }
    last = [x, y];
    draw();
    send(false);
  }
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true; last = null; pen.shown = false;
    canvas.setPointerCapture(event.pointerId);
    stroke(event);
  });
  canvas.addEventListener("pointermove", (event) => { if (drawing) stroke(event); });
  const end = () => { if (drawing) { drawing = false; last = null; send(true); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  function clearAll() { pixels.fill(0); draw(); send(true); }
  clear.addEventListener("click", clearAll);
  sampleButtons.forEach(([button, i]) => button.addEventListener("click", () => {
    pixels = Float32Array.from(sampleBytes.subarray(i * SIZE * SIZE, (i + 1) * SIZE * SIZE));
    draw();
    send(true);
  }));

  // The keyboard: a pen that moves by one pixel and inks where it goes while it is down.
  // The cursor shows when the pad is reached with the keyboard, not when a mouse clicks it.
  canvas.addEventListener("focus", () => { pen.shown = canvas.matches(":focus-visible"); draw(); });
  canvas.addEventListener("blur", () => { pen.shown = false; pen.down = false; draw(); });
  canvas.addEventListener("keydown", (event) => {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const ink = () => paint((pen.column + 0.5) * scale, (pen.row + 0.5) * scale);
    if (event.key in moves) {
      const [down, right] = moves[event.key];
      pen.row = Math.min(SIZE - 1, Math.max(0, pen.row + down));
      pen.column = Math.min(SIZE - 1, Math.max(0, pen.column + right));
      if (pen.down) ink();
    } else if (event.key === " " || event.key === "Enter") {
      pen.down = !pen.down;
      if (pen.down) ink();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      pixels.fill(0);
    } else if (event.key === "Escape") {
      pen.down = false;
    } else {
      return;
    }
    event.preventDefault();
    pen.shown = true;
    draw();
    send(true);
  });
  model.on("change:pixels", () => {
    const values = model.get("pixels");
    if (!drawing && values && values.length === SIZE * SIZE) { pixels = Float32Array.from(values); draw(); }
  });
  draw();
  if (reader) reader(pixels);
}

// The reading shown beside the pad when the page has no kernel: the digit read, the drawing
// as prepared the MNIST way, and the ten probabilities as bars. Returns the update function.
function makeReader(model, container) {
  const layers = decodeNetwork(JSON.parse(model.get("weights")));
  const minExtent = model.get("min_extent");
  container.style.cssText = "display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: flex-start;";
  const pad = document.createElement("div");
  pad.append(...container.childNodes);
  const side = document.createElement("div");
  side.className = "mnist-cnn-pad-reading";
  const text = document.createElement("div");
  text.className = "mnist-cnn-pad-reading-text";
  text.setAttribute("aria-live", "polite");  // a screen reader says what the pad reads
  text.style.cssText = "font-size: 24px; margin-bottom: 8px;";
  const prepared = document.createElement("canvas");
  prepared.width = prepared.height = SIZE;
  prepared.setAttribute("role", "img");
  prepared.setAttribute("aria-label", "The drawing prepared the MNIST way: what the CNN sees");
  prepared.style.cssText = "width: 112px; height: 112px; image-rendering: pixelated; border: 1px solid #888; background: #000;";
  const caption = document.createElement("div");
  caption.style.cssText = "font-size: 12px; opacity: 0.8; margin: 2px 0 10px;";
  caption.textContent = "prepared the MNIST way (what the CNN sees)";
  const bars = document.createElement("div");
  bars.setAttribute("role", "img");
  bars.setAttribute("aria-label", "The ten probabilities, as bars");
  bars.style.cssText = "display: flex; align-items: flex-end; gap: 4px; height: 110px;";
  const columns = [];
  for (let digit = 0; digit < 10; digit++) {
    const column = document.createElement("div");
    column.style.cssText = "display: flex; flex-direction: column; justify-content: flex-end; align-items: center; height: 100%; width: 22px; font-size: 12px;";
    const bar = document.createElement("div");
    bar.style.cssText = "width: 18px; background: #bbb; height: 0;";
    const label = document.createElement("div");
    label.textContent = digit;
    column.append(bar, label);
    bars.append(column);
    columns.push(bar);
  }
  const note = document.createElement("div");
  note.style.cssText = "font-size: 12px; opacity: 0.8; margin-top: 8px; max-width: 300px;";
  const count = layers.reduce((total, layer) => total + (layer.kernel ? layer.kernel.length + layer.bias.length : 0), 0);
  note.textContent = `Read in your browser by the trained CNN (its ${count.toLocaleString("en-US")} weights are in this page).`;
  side.append(text, prepared, caption, bars, note);
  container.replaceChildren(pad, side);
  const context = prepared.getContext("2d");

  return function read(pixels) {
    const drawn = Array.from(pixels, (value) => Math.round(value));
    const result = preprocess(drawn, SIZE, SIZE, minExtent);
    context.fillStyle = "#000";
    context.fillRect(0, 0, SIZE, SIZE);
    if (result.error) {
      text.textContent = result.error === "empty" ? "Draw a digit on the grid" : "Too small to read: draw it bigger";
      side.dataset.probabilities = "";
      columns.forEach((bar) => { bar.style.height = "0"; });
      return;
    }
    const picture = context.createImageData(SIZE, SIZE);
    result.image.forEach((value, index) => {
      picture.data.set([value, value, value, 255], index * 4);
    });
    context.putImageData(picture, 0, 0);
    const probabilities = forward(layers, result.image);
    const guess = probabilities.indexOf(Math.max(...probabilities));
    text.innerHTML = `reads: <b>${guess}</b> (${Math.round(100 * probabilities[guess])}%)`;
    side.dataset.probabilities = JSON.stringify(probabilities);
    columns.forEach((bar, digit) => {
      bar.style.height = `${Math.round(90 * probabilities[digit])}px`;
      bar.style.background = digit === guess ? "#0072B2" : "#bbb";  // the series' palette
      bar.title = `${digit}: ${(100 * probabilities[digit]).toFixed(1)}%`;
    });
    bars.setAttribute("aria-label", "Probabilities: " + probabilities.map(
      (p, digit) => `${digit}: ${Math.round(100 * p)}%`).join(", "));
  };
}

export default { render };
