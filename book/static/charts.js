// Draws the page's Plotly charts with the site's plotly.js (loaded just before, deferred).
// Each figure is JSON in the page (book/pages.py); a chart is drawn when it comes near the
// screen, so a long page shows its text at once, and fitted to the width it has: on a narrow
// screen (a phone) a chart drawn wider shrinks, keeps square plots square, uses smaller type,
// and lets a finger scroll the page instead of zooming the chart.
(function () {
  "use strict";
  const NARROW = 600;  // px: below this, smaller type and no zooming

  function fitted(figure, width) {
    const layout = JSON.parse(JSON.stringify(figure.layout || {}));
    const data = JSON.parse(JSON.stringify(figure.data || []));
    const margin = Object.assign({ l: 80, r: 80, t: 100, b: 80 }, layout.margin || {});
    if (layout.width && width < layout.width) {
      const squarePlot = layout.yaxis && layout.yaxis.scaleanchor === "x";
      layout.width = width;
      if (squarePlot) layout.height = Math.round(width - margin.l - margin.r + margin.t + margin.b);
    }
    if (width < NARROW) {
      layout.font = Object.assign({}, layout.font, { size: 11 });
      if (layout.title && typeof layout.title === "object") {
        layout.title.font = Object.assign({}, layout.title.font, { size: 14 });
      }
      layout.dragmode = false;
      for (const key of Object.keys(layout)) {
        if (/^[xy]axis\d*$/.test(key)) layout[key].fixedrange = true;
      }
      for (const trace of data) {
        if (trace.type === "heatmap" && trace.texttemplate) {
          trace.textfont = Object.assign({}, trace.textfont, { size: 9 });
        }
      }
    }
    return { data, layout };
  }

  function draw(script) {
    const figure = JSON.parse(script.textContent);
    const target = document.getElementById(script.dataset.chart);
    if (!target || target.dataset.drawn) return;
    target.dataset.drawn = "yes";
    const { data, layout } = fitted(figure, target.parentElement.clientWidth);
    if (layout.height) target.style.height = `${layout.height}px`;
    window.Plotly.newPlot(target, data, layout, { responsive: true, displaylogo: false });
  }

  window.mnistCnnCharts = { fitted, draw };
  const figures = document.querySelectorAll("script.mnist-cnn-chart-figure");
  if (!figures.length || !window.Plotly) return;
  const byTarget = new Map();
  for (const script of figures) byTarget.set(document.getElementById(script.dataset.chart), script);
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) {
        observer.unobserve(entry.target);
        draw(byTarget.get(entry.target));
      }
    }
  }, { rootMargin: "600px 0px" });
  for (const target of byTarget.keys()) if (target) observer.observe(target);
})();
