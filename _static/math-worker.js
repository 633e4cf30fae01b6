/* MathJax in a Web Worker: typesets TeX off the page's main thread (started by reader.js).
 *
 * On a phone, loading MathJax (its four components) and typesetting a chapter's formulas take
 * seconds of the main thread, in tasks long enough that the page stops responding to a tap or a
 * scroll. Here MathJax runs in a worker with its own light DOM (the liteDOM adaptor) and turns
 * each formula into the HTML that MathJax would have put in the page (CommonHTML output, with the
 * hidden MathML that screen readers read); the page only inserts that HTML and MathJax's
 * stylesheet. The same MathJax files, from the same folder, with the page's own MathJax settings
 * (`mathjax3_config` in _config.yml, which Sphinx writes into `window.MathJax`).
 *
 * Messages in:  {config, metrics}                 the page's MathJax settings and the size of its
 *                                                 text: {em, ex, containerWidth} in px (once, first)
 *               {id, items: [{tex, display}]}     a batch of formulas, without their delimiters
 * Messages out: {id, html: [...], css, version}   one HTML string per formula (null if MathJax
 *                                                 threw), the stylesheet for all formulas so far
 *               {id, error}                       MathJax could not start
 * (The file is left out of the pages' <script> tags by _ext/reader_fixes.py.)
 */
"use strict";

const MATHJAX = new URL("mathjax/", self.location.href).href;
let started = null;
let metrics = {};

function start(config) {
  const loader = config.loader || {};
  self.MathJax = {
    ...config,
    loader: {
      ...loader,
      paths: { ...(loader.paths || {}), mathjax: MATHJAX.replace(/\/$/, "") },
      require: (file) => importScripts(file), // no <script> tags in a worker
      load: ["adaptors/liteDOM", ...(loader.load || ["input/tex", "output/chtml"])],
    },
    startup: { ...(config.startup || {}), typeset: false, adaptor: "liteAdaptor", document: "" },
    chtml: { ...(config.chtml || {}), fontURL: `${MATHJAX}output/chtml/fonts/woff-v2` },
  };
  importScripts(`${MATHJAX}startup.js`);
  return self.MathJax.startup.promise;
}

// On a page MathJax measures the text around each formula and scales the formula so that its
// x-height matches the text's; a worker has no text to measure, so the page sends its measurements
// and the scale is worked out as MathJax's CommonHTML output does (`matchFontHeight`, `minScale`).
function conversionOptions(display) {
  const { em, ex, containerWidth } = metrics;
  if (!em || !ex) return { display };
  const output = MathJax.startup.output;
  const scale = Math.max(output.options.minScale, ex / output.font.params.x_height / em);
  return { display, em, ex, containerWidth, scale };
}

async function typeset({ tex, display }) {
  try {
    const node = await MathJax.tex2chtmlPromise(tex, conversionOptions(display));
    return MathJax.startup.adaptor.outerHTML(node);
  } catch (error) {
    console.error("MathJax:", tex, error);
    return null;
  }
}

self.onmessage = async ({ data }) => {
  if (data.config) {
    metrics = data.metrics || {};
    started = Promise.resolve(data.config).then(start);
    return;
  }
  try {
    await started;
  } catch (error) {
    postMessage({ id: data.id, error: String(error) });
    return;
  }
  const html = [];
  for (const item of data.items) html.push(await typeset(item));
  const css = MathJax.startup.adaptor.textContent(MathJax.chtmlStylesheet());
  postMessage({ id: data.id, html, css, version: MathJax.version });
};
