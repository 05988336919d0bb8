// A 28x28 drawing pad, drawn 10x larger. Each stroke paints a soft round brush into the
// grid (as a pen's ink spreads into neighbouring pixels); the 784 values (0-255) are sent
// to Python as the trait `pixels` a few times a second while drawing and at every stroke end.
const SIZE = 28;

function render({ model, el }) {
  const scale = model.get("scale");
  const container = document.createElement("div");
  container.className = "mnist-cnn-drawing-pad";
  const canvas = document.createElement("canvas");
  canvas.width = SIZE * scale;
  canvas.height = SIZE * scale;
  canvas.style.cssText = "border: 1px solid #888; cursor: crosshair; touch-action: none; display: block;";
  const clear = document.createElement("button");
  clear.textContent = "Clear";
  clear.className = "jupyter-button mnist-cnn-clear";
  clear.style.marginTop = "6px";
  container.append(canvas, clear);
  el.append(container);

  const context = canvas.getContext("2d");
  let pixels = new Float32Array(SIZE * SIZE);
  const incoming = model.get("pixels");
  if (incoming && incoming.length === SIZE * SIZE) pixels = Float32Array.from(incoming);

  function draw() {
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (let row = 0; row < SIZE; row++) {
      for (let column = 0; column < SIZE; column++) {
        const value = pixels[row * SIZE + column];
        if (value > 0) {
          const shade = Math.round(255 - value);
          context.fillStyle = `rgb(${shade},${shade},${shade})`;
          context.fillRect(column * scale, row * scale, scale, scale);
        }
      }
    }
  }

  let lastSent = 0;
  function send(force) {
    const now = Date.now();
    if (!force && now - lastSent < 150) return;
    lastSent = now;
    model.set("pixels", Array.from(pixels, (value) => Math.round(value)));
    model.save_changes();
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
    drawing = true; last = null;
    canvas.setPointerCapture(event.pointerId);
    stroke(event);
  });
  canvas.addEventListener("pointermove", (event) => { if (drawing) stroke(event); });
  const end = () => { if (drawing) { drawing = false; last = null; send(true); } };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear.addEventListener("click", () => { pixels.fill(0); draw(); send(true); });
  model.on("change:pixels", () => {
    const values = model.get("pixels");
    if (!drawing && values && values.length === SIZE * SIZE) { pixels = Float32Array.from(values); draw(); }
  });
  draw();
}

export default { render };
