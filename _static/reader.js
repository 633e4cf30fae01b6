/* Small fixes for readers on phones (loaded with `defer` by _ext/reader_fixes.py).
 *
 * 1. Navigation buttons. sphinx-book-theme 1.3 shows its own "site navigation" and "on this
 *    page" buttons in the article header, but pydata-sphinx-theme 0.17 binds its drawer
 *    handlers to the first `.primary-toggle` / `.secondary-toggle` on the page, which is the
 *    theme's hidden navbar copy, so on a phone the visible buttons did nothing. A click on any
 *    other toggle button is passed on to the first one, which opens the drawer (on a desktop,
 *    sphinx-book-theme's own handler on that first button folds the sidebar instead).
 *    With older themes (pydata 0.15: one toggle of each kind, or <label>s) nothing changes.
 * 2. Math. MathJax (1.2 MB) is loaded once the page has been painted (from the URL that
 *    _ext/reader_fixes.py puts in this script's `data-mathjax`), so the text shows first.
 *    MathJax's own start-up typesets a whole chapter
 *    (hundreds of formulas) in one task of ~0.5 s, ~2 s on a phone, during which the page does not
 *    respond. _config.yml turns that off (`startup.typeset: false`); here the formulas are
 *    typeset in document order, in chunks sized to take a few milliseconds each, yielding to the
 *    browser in between. `window.readerMathTypeset` resolves once every formula is done (the
 *    browser test and the PDF script wait for it).
 * 3. Boxes that scroll sideways (display math, tables, figures wider than the column): one that
 *    overflows is made keyboard-focusable, and gets `data-more="left right"` for the edges with
 *    more to see, which reader.css shows as a fade (figures are opaque, so the CSS-only shadow
 *    used for math and tables would be hidden under them).
 */
(() => {
  "use strict";

  function forwardToggles(kind) {
    const toggles = [...document.querySelectorAll(`button.${kind}`)];
    const bound = toggles[0];
    toggles.slice(1).forEach((toggle) => {
      toggle.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    });
  }

  const SCROLL_BOXES = [
    "div.math > mjx-container",
    "span.math",
    ".pst-scrollable-table-container",
    ".cell_output:has(> img)",
  ].join(", ");

  function edges(box) {
    const more = [];
    if (box.scrollLeft > 1) more.push("left");
    if (box.scrollLeft + box.clientWidth < box.scrollWidth - 1) more.push("right");
    return more.join(" ");
  }

  function setEdges(box, more) {
    if (more) box.setAttribute("data-more", more);
    else box.removeAttribute("data-more");
  }

  // All reads first, then all writes: one layout for the whole page, not one per box.
  function markScrollBoxes() {
    const boxes = [...document.querySelectorAll(`.bd-article ${SCROLL_BOXES}`)];
    const measured = boxes.map((box) => [box, box.scrollWidth > box.clientWidth + 1, edges(box)]);
    measured.forEach(([box, scrolls, more]) => {
      // (pydata-sphinx-theme gives tables tabindex -1 when they fit at load, before the math is typeset)
      if (scrolls && box.tabIndex < 0) box.setAttribute("tabindex", "0");
      setEdges(box, more);
      if (scrolls && !box.dataset.watched) {
        box.dataset.watched = "1";
        box.addEventListener("scroll", () => setEdges(box, edges(box)), { passive: true });
      }
    });
  }

  // Each chunk should take about this long (a phone is ~4x slower). The PDF script sets
  // window.readerMathChunkMs = Infinity: one pass over the whole book is much faster there.
  const CHUNK_MS = window.readerMathChunkMs || 6;
  const MATH = ".math, .tex2jax_process, .mathjax_process, .output_area";

  const yieldToBrowser = () => new Promise((resolve) => setTimeout(resolve, 0));

  const afterFirstPaint = () =>
    new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

  function loadMathJax(src) {
    if (!src || window.MathJax && window.MathJax.version) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.addEventListener("load", resolve);
      script.addEventListener("error", () => reject(new Error(`could not load ${src}`)));
      document.head.appendChild(script);
    });
  }

  const pending = []; // math elements not typeset yet

  // Printing (Ctrl+P) before every chunk is done: typeset the rest at once, synchronously.
  window.addEventListener("beforeprint", () => {
    if (pending.length && window.MathJax && window.MathJax.typeset) {
      try {
        window.MathJax.typeset(pending.splice(0));
      } catch (error) {
        console.error("MathJax:", error);
      }
    }
  });

  async function typesetInChunks(mathJaxSrc) {
    await afterFirstPaint();
    await loadMathJax(mathJaxSrc);
    const mathJax = window.MathJax;
    if (!mathJax || !mathJax.startup || !mathJax.startup.promise) return;
    await mathJax.startup.promise;
    if (!mathJax.typesetPromise || mathJax.config.startup.typeset !== false) return;
    // What the reader sees first (within a screen of the viewport), then the rest in order.
    const all = [...document.querySelectorAll(MATH)];
    const near = (e) => { const r = e.getBoundingClientRect(); return r.bottom > -innerHeight && r.top < 2 * innerHeight; };
    pending.push(...all.filter(near), ...all.filter((e) => !near(e)));
    let size = CHUNK_MS === Infinity ? pending.length : 4;
    while (pending.length) {
      const chunk = pending.splice(0, size);
      const started = performance.now();
      await mathJax.typesetPromise(chunk);
      const took = performance.now() - started;
      if (CHUNK_MS !== Infinity) {
        size = Math.max(1, Math.min(64, Math.round((size * CHUNK_MS) / Math.max(took, 0.5))));
      }
      await yieldToBrowser();
    }
    // Last, one pass over the whole page, as MathJax's own start-up would do: TeX written outside
    // the math elements (`$$...$$` that the Markdown parser left in a paragraph) is typeset too.
    await mathJax.typesetPromise();
  }

  const whenIdle = (callback) =>
    window.requestIdleCallback ? requestIdleCallback(callback, { timeout: 2000 }) : setTimeout(callback, 200);

  const mathJaxSrc = document.currentScript && document.currentScript.dataset.mathjax;
  window.readerMathTypeset = new Promise((resolve) => {
    const run = () => typesetInChunks(mathJaxSrc).catch((error) => console.error("MathJax:", error)).then(resolve);
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  });

  const whenTypeset = (callback) => window.readerMathTypeset.then(callback);

  function start() {
    forwardToggles("primary-toggle");
    forwardToggles("secondary-toggle");
    // After typesetting and once MathJax's fonts have loaded (they change the formulas' widths).
    const mark = () => whenTypeset(() => document.fonts.ready.then(() => whenIdle(markScrollBoxes)));
    if (document.readyState === "complete") mark();
    else window.addEventListener("load", mark);
    let pending = null;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(markScrollBoxes, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
