// The viewer's drawing of a result: the pager, each page's image with its text-line and
// layout boxes, tooltips, the lines in reading order and the tables. Recognized text is
// untrusted: it is only ever set as textContent, and table HTML is rebuilt from a
// whitelist before it enters the page.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const TABLE_TAGS = new Set(["TABLE", "THEAD", "TBODY", "TR", "TD", "TH"]);
// elements whose content is code or markup, never text to show
const DROPPED_TAGS = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "IFRAME", "OBJECT"]);

// ---- the result -----------------------------------------------------------------------

function pageInfo(number) {
  return state.result.pages.find((page) => page.page_number === number);
}

// Shows the result held in state.result (the pages received so far while the task runs),
// staying on the page shown if it is still there.
function showResult(run) {
  const pager = $("pager");
  pager.replaceChildren();
  for (const page of state.result.pages) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = String(page.page_number);
    button.dataset.page = String(page.page_number);
    button.addEventListener("click", () => showPage(page.page_number, run));
    pager.append(button);
  }
  pager.hidden = state.result.pages.length < 2;
  $("result").hidden = false;
  const shown = state.shown && pageInfo(state.page) ? state.page : null;
  state.shown = true;
  showPage(shown || (state.result.pages.length ? state.result.pages[0].page_number : 1), run);
}

async function pageImage(number, run) {
  if (!state.ended) return null; // page images come from the finished result
  if (!state.images.has(number)) {
    const path = `${API}/results/${encodeURIComponent(state.taskId)}/pages/${number}.png`;
    let url = null;
    try {
      const response = await apiFetch(`${path}?overlay=false`);
      if (response.ok) url = URL.createObjectURL(await response.blob());
    } catch {
      url = null;
    }
    if (run !== state.run) {
      if (url) URL.revokeObjectURL(url);
      return null;
    }
    state.images.set(number, url);
  }
  return state.images.get(number);
}

async function showPage(number, run) {
  state.page = number;
  const info = pageInfo(number) || { width: 1, height: 1 };
  for (const button of $("pager").children) {
    button.setAttribute("aria-current", button.dataset.page === String(number) ? "page" : "false");
  }
  const viewer = $("viewer");
  viewer.dataset.ready = "false";
  $("page").style.aspectRatio = `${info.width} / ${info.height}`;
  // as wide as the pane allows while the page stays within 80% of the window's height
  $("page").style.width = `min(100%, ${((80 * info.width) / info.height).toFixed(2)}vh)`;
  $("overlay").setAttribute("viewBox", `0 0 ${info.width} ${info.height}`);
  drawBoxes(number);
  listLines(number);
  showTables(number);

  const url = await pageImage(number, run);
  if (run !== state.run || state.page !== number) return;
  const image = $("page-image");
  const note = $("page-note");
  if (url) {
    image.src = url;
    image.hidden = false;
    note.hidden = true;
    await image.decode().catch(() => undefined);
  } else {
    // the page image route is unavailable: the boxes alone, on a blank page of its size
    image.removeAttribute("src");
    image.hidden = true;
    note.textContent = state.ended
      ? `Page image unavailable; boxes shown on a blank ${info.width} × ${info.height} page.`
      : "Boxes shown on a blank page until the document is done.";
    note.hidden = false;
  }
  viewer.dataset.ready = "true";
}

function polygon(box, className) {
  const shape = document.createElementNS(SVG_NS, "polygon");
  shape.setAttribute("points", box.map(([x, y]) => `${x},${y}`).join(" "));
  shape.setAttribute("class", className);
  shape.setAttribute("tabindex", "0");
  return shape;
}

function drawBoxes(number) {
  const { detections = [], layout = [] } = state.result;
  const lineGroup = $("line-boxes");
  const layoutGroup = $("layout-boxes");
  lineGroup.replaceChildren();
  layoutGroup.replaceChildren();
  layout.forEach((block, index) => {
    if (block.page_number !== number) return;
    const shape = polygon(block.box, `block block-${block.label}`);
    shape.dataset.index = String(index);
    attachTooltip(shape, block.label, `layout block · confidence ${block.confidence.toFixed(3)}`);
    layoutGroup.append(shape);
  });
  detections.forEach((line, index) => {
    if (line.page_number !== number) return;
    const shape = polygon(line.box, "det");
    shape.dataset.index = String(index);
    attachTooltip(shape, line.text, `confidence ${line.confidence.toFixed(3)}`);
    lineGroup.append(shape);
  });
}

function attachTooltip(target, text, meta) {
  const tooltip = $("tooltip");
  const show = (x, y) => {
    $("tooltip-text").textContent = text;
    $("tooltip-meta").textContent = meta;
    tooltip.hidden = false;
    const width = tooltip.offsetWidth;
    tooltip.style.left = `${Math.max(4, Math.min(x + 12, window.innerWidth - width - 4))}px`;
    tooltip.style.top = `${y + 16}px`;
  };
  const hide = () => {
    tooltip.hidden = true;
  };
  target.addEventListener("mousemove", (event) => show(event.clientX, event.clientY));
  target.addEventListener("mouseleave", hide);
  target.addEventListener("focus", () => {
    const rect = target.getBoundingClientRect();
    show(rect.left, rect.bottom - 12);
  });
  target.addEventListener("blur", hide);
}

function listLines(number) {
  const list = $("lines");
  list.replaceChildren();
  state.result.detections.forEach((line, index) => {
    if (line.page_number !== number) return;
    const item = document.createElement("li");
    item.textContent = line.text;
    item.title = `confidence ${line.confidence.toFixed(3)}`;
    const shape = () => $("line-boxes").querySelector(`[data-index="${index}"]`);
    item.addEventListener("mouseenter", () => shape()?.classList.add("active"));
    item.addEventListener("mouseleave", () => shape()?.classList.remove("active"));
    list.append(item);
  });
}

// ---- tables: rebuilt from a whitelist ----------------------------------------------------

function sanitizedTable(html) {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const fragment = document.createDocumentFragment();
  const copy = (source, target) => {
    for (const node of source.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.append(document.createTextNode(node.textContent));
      } else if (node.nodeType === Node.ELEMENT_NODE && TABLE_TAGS.has(node.tagName)) {
        const element = document.createElement(node.tagName.toLowerCase());
        for (const name of ["colspan", "rowspan"]) {
          const span = Number.parseInt(node.getAttribute(name) || "", 10);
          if (span > 1 && span < 1000) element.setAttribute(name, String(span));
        }
        copy(node, element);
        target.append(element);
      } else if (node.nodeType === Node.ELEMENT_NODE && !DROPPED_TAGS.has(node.tagName)) {
        copy(node, target); // any other element: its text stays, the element goes
      }
    }
  };
  copy(parsed.body, fragment);
  return fragment;
}

function showTables(number) {
  const tables = (state.result.tables || []).filter((table) => table.page_number === number);
  const container = $("tables");
  container.replaceChildren(...tables.map((table) => sanitizedTable(table.html)));
  $("tables-pane").hidden = tables.length === 0;
}

