/* Small fixes for readers on phones (loaded with `defer` by _ext/reader_fixes.py).
 *
 * 1. Navigation buttons. sphinx-book-theme 1.3 shows its own "site navigation" and "on this
 *    page" buttons in the article header, but pydata-sphinx-theme 0.17 binds its drawer
 *    handlers to the first `.primary-toggle` / `.secondary-toggle` on the page, which is the
 *    theme's hidden navbar copy, so on a phone the visible buttons did nothing. A click on any
 *    other toggle button is passed on to the first one, which opens the drawer (on a desktop,
 *    sphinx-book-theme's own handler on that first button folds the sidebar instead).
 *    With older themes (pydata 0.15: one toggle of each kind, or <label>s) nothing changes.
 * 2. Math. Once the page's text has been painted and the page has loaded, the formulas are
 *    typeset by MathJax in a Web Worker (_static/math-worker.js, URL in this script's
 *    `data-math-worker`), so that neither loading MathJax nor typesetting a chapter's hundreds of
 *    formulas takes the page's main thread (on a phone: seconds, in tasks long enough that a tap
 *    or a scroll waits). The worker sends HTML back; it is put in place a few formulas per task,
 *    those near the screen first. Where a worker cannot run (a page opened from a file), MathJax
 *    is loaded on the page (`data-mathjax`) and typesets a few formulas per task (_config.yml
 *    turns off its own start-up typesetting of the whole page in one task).
 *    `window.readerMathTypeset` resolves once every formula is done (the browser test and the PDF
 *    script wait for it); `window.readerMath` says which way it went.
 * 3. Boxes that scroll sideways (display math, tables, figures wider than the column): one that
 *    overflows is made keyboard-focusable, and gets `data-more="left right"` for the edges with
 *    more to see, which reader.css shows as a fade (figures are opaque, so the CSS-only shadow
 *    used for math and tables would be hidden under them). Code blocks and outputs that scroll are
 *    made keyboard-focusable too (the theme did that in one sweep at load). A box is measured when
 *    it comes near the screen (an IntersectionObserver), or at once for all of them at the first
 *    press of the Tab key: measuring every box at load would lay out the parts of the chapter that
 *    reader.css leaves unrendered while they are off screen.
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

  // Boxes that show a cue when they scroll sideways.
  const SCROLL_BOXES = [
    "div.math > mjx-container",
    "span.math",
    ".pst-scrollable-table-container",
    ".cell_output:has(> img)",
  ].join(", ");
  // pydata-sphinx-theme's list of boxes that may scroll (code, outputs, tables): it makes those
  // that do keyboard-focusable in one sweep at load, which lays out the whole chapter, parts off
  // screen included; _ext/reader_fixes.py removes that sweep and they are measured here instead.
  const TAB_STOP_BOXES = [
    "pre",
    ".nboutput > .output_area",
    ".cell_output > .output",
    ".jp-RenderedHTMLCommon",
    ".pst-scrollable-table-container",
  ].join(", ");
  const BOXES = `${SCROLL_BOXES}, ${TAB_STOP_BOXES}`;

  // The boxes in `root` (an element, itself included, or the document) that are in the article.
  function scrollBoxesIn(root) {
    const found = [...root.querySelectorAll(BOXES)];
    if (root.matches && root.matches(BOXES)) found.unshift(root);
    return found.filter((box) => box.closest(".bd-article"));
  }

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

  // A box scrolls sideways, or (code and outputs, which may have a maximum height) down.
  const scrolls = (box) => box.scrollWidth > box.clientWidth + 1
    || (box.matches(TAB_STOP_BOXES) && box.scrollHeight > box.clientHeight + 1);

  // All reads first, then all writes: one layout for all the boxes, not one per box.
  function markScrollBoxes(boxes) {
    const measured = boxes.filter((box) => box.isConnected)
      .map((box) => [box, scrolls(box), box.matches(SCROLL_BOXES) ? edges(box) : null]);
    measured.forEach(([box, scrolls, more]) => {
      if (scrolls && box.tabIndex < 0) box.setAttribute("tabindex", "0");
      if (more === null) return;
      box.toggleAttribute("data-scrolls", scrolls); // reader.css: inline math scrolls only then
      setEdges(box, more);
      if (scrolls && !box.dataset.watched) {
        box.dataset.watched = "1";
        box.addEventListener("scroll", () => setEdges(box, edges(box)), { passive: true });
      }
    });
  }

  // Boxes within half a screen of the viewport, kept up to date as the reader scrolls; each is
  // measured as it arrives. Without IntersectionObserver every box is measured at once.
  const nearBoxes = new Set();
  const boxWatcher = window.IntersectionObserver && new IntersectionObserver((entries) => {
    entries.forEach((e) => (e.isIntersecting ? nearBoxes.add(e.target) : nearBoxes.delete(e.target)));
    markScrollBoxes(entries.filter((e) => e.isIntersecting).map((e) => e.target));
  }, { rootMargin: "50% 0px" });

  let measureEverything = !boxWatcher; // set at the first Tab key press

  // Watch `boxes`; those already near the screen are measured again (their content changed).
  function watchScrollBoxes(boxes) {
    if (measureEverything) return markScrollBoxes(boxes);
    boxes.forEach((box) => boxWatcher.observe(box));
    markScrollBoxes(boxes.filter((box) => nearBoxes.has(box)));
  }

  const remeasureNearBoxes = () => markScrollBoxes(measureEverything ? scrollBoxesIn(document) : [...nearBoxes]);

  // A reader who moves with the Tab key reaches boxes far below the screen in a few presses:
  // at the first press every box is measured (one layout of the whole chapter, once).
  function measureAllOnFirstTab(event) {
    if (event.key !== "Tab") return;
    window.removeEventListener("keydown", measureAllOnFirstTab, true);
    measureEverything = true;
    markScrollBoxes(scrollBoxesIn(document));
  }

  // Each chunk should take about this long (a phone is ~4x slower). The PDF script sets
  // window.readerMathChunkMs = Infinity: one pass over the whole book is much faster there.
  const CHUNK_MS = window.readerMathChunkMs || 6;
  const MATH = ".math, .tex2jax_process, .mathjax_process, .output_area";

  const yieldToBrowser = () => new Promise((resolve) => setTimeout(resolve, 0));

  // Take items off the front of `queue` and hand them to `work` in chunks sized to take about
  // CHUNK_MS each, yielding to the browser in between (others may splice `queue` meanwhile).
  async function inChunks(queue, work) {
    let size = CHUNK_MS === Infinity ? queue.length : 1;
    while (queue.length) {
      const chunk = queue.splice(0, size);
      const started = performance.now();
      await work(chunk);
      const took = performance.now() - started;
      if (CHUNK_MS !== Infinity) {
        size = Math.max(1, Math.min(64, Math.round((size * CHUNK_MS) / Math.max(took, 0.5))));
      }
      await yieldToBrowser();
    }
  }

  // Once the page's text is on screen (the first-contentful-paint entry; at most 3 s) and the page
  // has loaded: MathJax then neither delays the first paint nor competes with the page's own files.
  function afterFirstPaintAndLoad() {
    const painted = new Promise((resolve) => {
      const types = (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
      const seen = () => performance.getEntriesByName("first-contentful-paint").length > 0;
      if (!types.includes("paint")) return requestAnimationFrame(() => setTimeout(resolve, 0));
      if (seen()) return resolve();
      const observer = new PerformanceObserver(() => seen() && finish());
      const timer = setTimeout(finish, 3000);
      function finish() {
        clearTimeout(timer);
        observer.disconnect();
        resolve();
      }
      observer.observe({ type: "paint", buffered: true });
    });
    const loaded = document.readyState === "complete" ? Promise.resolve()
      : new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
    return Promise.all([painted, loaded]).then(yieldToBrowser);
  }

  // Which of `elements` lie within a screen of the viewport: one IntersectionObserver pass
  // (asking each element for its position would lay out the whole chapter).
  function nearViewport(elements) {
    if (!window.IntersectionObserver || !elements.length) return Promise.resolve(new Set());
    return new Promise((resolve) => {
      const observer = new IntersectionObserver((entries) => {
        observer.disconnect();
        resolve(new Set(entries.filter((e) => e.isIntersecting).map((e) => e.target)));
      }, { rootMargin: "100% 0px" });
      elements.forEach((element) => observer.observe(element));
    });
  }

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

  const pending = []; // math elements not typeset yet (on the page's own thread)

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

  // Where the worker cannot run: MathJax on the page's own thread, a few formulas per task.
  async function typesetOnPage(mathJaxSrc, elements) {
    await loadMathJax(mathJaxSrc);
    const mathJax = window.MathJax;
    if (!mathJax || !mathJax.startup || !mathJax.startup.promise) return;
    await mathJax.startup.promise;
    if (!mathJax.typesetPromise || mathJax.config.startup.typeset !== false) return;
    window.readerMath = { engine: "page", version: mathJax.version };
    pending.push(...elements);
    await inChunks(pending, async (chunk) => {
      await mathJax.typesetPromise(chunk);
      watchScrollBoxes(chunk.flatMap(scrollBoxesIn));
    });
  }

  // Sphinx writes each formula as the only text of its element: `\(...\)` inline, `\[...\]` displayed.
  const DELIMITERS = [[/^\\\(([\s\S]*)\\\)$/, false], [/^\\\[([\s\S]*)\\\]$/, true], [/^\$\$([\s\S]*)\$\$$/, true]];

  function formulaIn(element) {
    for (const node of element.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      for (const [pattern, display] of DELIMITERS) {
        const match = pattern.exec(node.data.trim());
        if (match) return { element, node, tex: match[1], display };
      }
    }
    return null;
  }

  const BATCH = 24; // formulas per message to the worker

  // The size of the article's text in px (MathJax matches each formula's x-height to it).
  function textMetrics() {
    const paragraph = document.querySelector(".bd-article p") || document.body;
    const probe = document.createElement("span");
    probe.style.cssText = "display: inline-block; position: absolute; visibility: hidden; width: 1ex; height: 1em;";
    paragraph.appendChild(probe);
    const { width: ex, height: em } = probe.getBoundingClientRect();
    probe.remove();
    return { em, ex, containerWidth: paragraph.clientWidth };
  }

  // MathJax in a Web Worker (_static/math-worker.js): the worker typesets batches of formulas in
  // order and sends back HTML; here each is put in place of its TeX, a few per task. Rejects if
  // the worker cannot start or fails (the caller then typesets what is left on the page).
  function putInPlace([formula, html]) {
    if (html === null) console.error("MathJax could not typeset", formula.tex);
    else formula.node.replaceWith(document.createRange().createContextualFragment(html));
  }

  // Replacing MathJax's stylesheet restyles the whole page: it is replaced for batches with formulas
  // near the screen, then at most once a second, and after the last batch.
  const STYLESHEET_EVERY_MS = 1000;

  async function typesetInWorker(workerUrl, elements, nearCount) {
    const formulas = elements.map(formulaIn).filter(Boolean); // (the near ones first)
    const worker = new Worker(workerUrl); // throws where workers may not run (a page opened from file://)
    const failed = new Promise((_, reject) => worker.addEventListener("error", (event) => {
      event.preventDefault();
      reject(new Error(`the math worker failed: ${event.message || "it could not be loaded"}`));
    }));
    failed.catch(() => {});
    const answers = new Map();
    worker.addEventListener("message", ({ data }) => answers.get(data.id)(data));
    worker.postMessage({ config: JSON.parse(JSON.stringify(window.MathJax || {})), metrics: textMetrics() });
    const batches = [];
    for (let at = 0; at < formulas.length; at += BATCH) batches.push(formulas.slice(at, at + BATCH));
    const replies = batches.map((batch, id) => new Promise((resolve) => {
      answers.set(id, resolve);
      worker.postMessage({ id, items: batch.map(({ tex, display }) => ({ tex, display })) });
    }));
    const style = document.createElement("style");
    document.head.appendChild(style);
    let styled = -Infinity;
    try {
      // Printing in one pass (CHUNK_MS Infinity): every batch first, then the page is laid out once.
      if (CHUNK_MS === Infinity) await Promise.race([Promise.all(replies), failed]);
      for (const [id, batch] of batches.entries()) {
        const reply = await Promise.race([replies[id], failed]);
        if (reply.error) throw new Error(reply.error);
        window.readerMath = { engine: "worker", version: reply.version };
        const now = performance.now();
        if (style.textContent !== reply.css && (id * BATCH < nearCount || id === batches.length - 1
                                                 || now - styled > STYLESHEET_EVERY_MS)) {
          style.textContent = reply.css;
          styled = now;
        }
        const done = batch.map((formula, i) => [formula, reply.html[i]]);
        if (CHUNK_MS === Infinity) {
          done.forEach(putInPlace);
          continue;
        }
        await inChunks(done, (chunk) => {
          chunk.forEach(putInPlace);
          watchScrollBoxes(chunk.flatMap(([formula]) => scrollBoxesIn(formula.element)));
        });
      }
    } finally {
      worker.terminate();
    }
  }

  async function typesetMath(mathJaxSrc, workerUrl) {
    await afterFirstPaintAndLoad();
    const all = [...document.querySelectorAll(MATH)];
    if (!all.length) return;
    // What the reader sees first (within a screen of the viewport), then the rest in order.
    const near = await nearViewport(all);
    const ordered = [...all.filter((e) => near.has(e)), ...all.filter((e) => !near.has(e))];
    if (workerUrl && window.Worker) {
      try {
        await typesetInWorker(workerUrl, ordered, near.size);
      } catch (error) {
        console.warn("MathJax: typesetting on the page instead;", error.message);
      }
    }
    const left = ordered.filter((element) => !element.querySelector("mjx-container"));
    if (left.length) await typesetOnPage(mathJaxSrc, left);
  }

  const { mathjax: mathJaxSrc, mathWorker: workerUrl } = (document.currentScript || {}).dataset || {};
  window.readerMathTypeset = new Promise((resolve) => {
    const run = () => typesetMath(mathJaxSrc, workerUrl).catch((error) => console.error("MathJax:", error)).then(resolve);
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  });

  function start() {
    forwardToggles("primary-toggle");
    forwardToggles("secondary-toggle");
    watchScrollBoxes(scrollBoxesIn(document));
    window.addEventListener("keydown", measureAllOnFirstTab, true);
    // MathJax's fonts change the formulas' widths once they have loaded.
    window.readerMathTypeset.then(() => document.fonts.ready).then(remeasureNearBoxes);
    let resized = null;
    window.addEventListener("resize", () => {
      clearTimeout(resized);
      resized = setTimeout(remeasureNearBoxes, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
