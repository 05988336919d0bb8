// The book's own script, on every page (loaded with `defer`, after the theme's scripts).
(function () {
  "use strict";

  // The menu and contents buttons. The book theme draws two of each (one in a page header it
  // hides, one in the article header); pydata-sphinx-theme binds its handler to the first of
  // each only, so on a phone the buttons a reader sees did nothing. Each other one now clicks
  // the bound one.
  for (const kind of ["primary-toggle", "secondary-toggle"]) {
    const [bound, ...others] = document.querySelectorAll(`.${kind}`);
    for (const button of others) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    }
  }

  // Widget controls get a name a screen reader can say: ipywidgets draws a control's
  // description as a <label> that is not tied to the control (the slider's handle has no name
  // at all, and a control without a description keeps an empty, hidden label), so each control
  // is named after its visible label, or else its tooltip.
  function nameControls() {
    for (const row of document.querySelectorAll(".widget-inline-hbox")) {
      const label = row.querySelector(":scope > .widget-label");
      const text = label && label.style.display !== "none" ? label.textContent.trim() : "";
      if (label && !text) label.removeAttribute("for");  // an empty label names nothing
      for (const control of row.querySelectorAll("[role=slider], input, select, textarea")) {
        const name = text || control.getAttribute("title") || (label && label.title) || "";
        if (name && !control.hasAttribute("aria-label")) control.setAttribute("aria-label", name);
      }
    }
  }
  if (document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]')) {
    let pending = false;
    new MutationObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        nameControls();
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
})();
