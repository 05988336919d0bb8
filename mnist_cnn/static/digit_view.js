// The digit browser's picture in the static book: the digit with index `index`, drawn from
// the digits packed in the page (gzip-compressed uint8, 784 bytes per digit; see
// mnist_cnn/webexport.py), and its label. The slider is linked to `index` in the page. Pixel
// values are drawn as brightness (white ink on black), as every picture of the series is.
const SIZE = 28;

async function unpack(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function render({ model, el }) {
  const scale = 10;
  const box = document.createElement("div");
  box.className = "mnist-cnn-digit-view";
  box.style.cssText = "display: flex; flex-wrap: wrap; align-items: flex-start;";
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = SIZE;
  canvas.setAttribute("role", "img");
  canvas.style.cssText = `width: ${SIZE * scale}px; max-width: 100%; aspect-ratio: 1; image-rendering: pixelated;`;
  const label = document.createElement("div");
  label.className = "mnist-cnn-digit-label";
  label.setAttribute("aria-live", "polite");  // a screen reader hears the label of each new digit
  box.append(canvas, label);
  el.append(box);

  const digits = await unpack(model.get("digits"));
  const labelBytes = model.get("labels");
  const labels = new Uint8Array(labelBytes.buffer, labelBytes.byteOffset, labelBytes.byteLength);
  const total = model.get("total");
  const context = canvas.getContext("2d");

  function show() {
    const index = model.get("index");
    if (index < 0 || index >= labels.length) return;
    const picture = context.createImageData(SIZE, SIZE);
    for (let i = 0; i < SIZE * SIZE; i++) {
      const value = digits[index * SIZE * SIZE + i];  // as digit_png draws it
      picture.data.set([value, value, value, 255], i * 4);
    }
    context.putImageData(picture, 0, 0);
    canvas.setAttribute("aria-label", `Digit #${index}, labelled ${labels[index]}`);
    label.innerHTML =
      `<div style="font-size:40px; padding:20px">Label: <b>${labels[index]}</b></div>` +
      `<div style="padding:0 20px">image #${index.toLocaleString("en-US")} of ${total.toLocaleString("en-US")}</div>`;
  }
  model.on("change:index", show);
  show();
}

export default { render };
