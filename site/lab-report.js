// Included by every lab page (wasm_build/labs.py:patch_page). The lab's "Download report" button carries a
// self-contained HTML report written in Python (labkit: mlsys_labs.checkview.report_html). Python cannot
// draw the charts (their pixels exist only in this page, drawn by Vega), so when the student clicks that
// button this script takes the file, puts every chart on the page into it as an image at its current
// settings (with the chart's own text description as its alternative text and caption), and downloads the
// result instead. The file stays self-contained: the images are inline data URLs, no script.
(() => {
  "use strict";

  const REPORT_NAME = /__report\.html$/;
  const SLOT = /<div data-mlsys-charts>[\s\S]*?<\/div><!--\/mlsys-charts-->/;

  // every drawn chart, in page order (marimo puts some inside shadow roots): its image (PNG of the canvas, or
  // the SVG markup) and its text description
  function charts() {
    const out = [];
    (function walk(root) {
      for (const el of root.querySelectorAll("*")) {
        if (el.classList.contains("vega-embed")) {
          const c = chart(el);
          if (c) out.push(c);
        }
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    })(document);
    return out;
  }

  function chart(embed) {
    const wrapper = embed.querySelector("[role=graphics-document]") || embed.querySelector("[aria-label]");
    const label = wrapper ? wrapper.getAttribute("aria-label") : "";
    const canvas = embed.querySelector("canvas.marks, canvas");
    const svg = canvas ? null : embed.querySelector("svg.marks");
    let src = "";
    try {
      if (canvas && canvas.width > 0 && canvas.height > 0) src = canvas.toDataURL("image/png");
      else if (svg) src = "data:image/svg+xml;base64," +
        btoa(unescape(encodeURIComponent(new XMLSerializer().serializeToString(svg))));
    } catch (e) { src = ""; }
    return src ? { src, label, width: canvas ? canvas.clientWidth || canvas.width : 0 } : null;
  }

  function figuresHtml(list) {
    const box = document.createElement("div");
    box.setAttribute("data-mlsys-charts", "");
    if (!list.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "(no chart was drawn on the page when this report was made)";
      box.appendChild(p);
    }
    list.forEach((c, i) => {
      const fig = document.createElement("figure");
      const img = document.createElement("img");
      img.src = c.src;
      img.alt = c.label || "Chart " + (i + 1);
      if (c.width) img.width = c.width;
      const cap = document.createElement("figcaption");
      cap.textContent = "Chart " + (i + 1) + ". " + (c.label || "");
      fig.append(img, cap);
      box.appendChild(fig);
    });
    return box.outerHTML + "<!--/mlsys-charts-->";
  }

  function save(url, name) {
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.dataset.mlsysReport = "with-charts";
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  document.addEventListener("click", (e) => {
    const a = e.composedPath().find((n) => n && n.tagName === "A" && n.hasAttribute("download"));
    if (!a || a.dataset.mlsysReport || !REPORT_NAME.test(a.getAttribute("download") || "")) return;
    const href = a.href;
    if (!href) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    const name = a.getAttribute("download");
    fetch(href)
      .then((r) => r.text())
      .then((html) => {
        const text = SLOT.test(html) ? html.replace(SLOT, () => figuresHtml(charts())) : html;
        const url = URL.createObjectURL(new Blob([text], { type: "text/html" }));
        save(url, name);
        setTimeout(() => URL.revokeObjectURL(url), 60000);
      })
      .catch(() => save(href, name)); // the report as Python wrote it, without images, rather than nothing
  }, true);
})();
