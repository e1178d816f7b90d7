// The ocr-inference viewer: upload a document, follow its progress, then show each page
// with its text boxes. Recognized text is untrusted: it is only ever set as textContent,
// and table HTML is rebuilt from a whitelist before it enters the page.
"use strict";

const API = "/api/v1/ocr";
const KEY_STORAGE = "ocr-inference.api-key";
const POLL_MS = 500;
const SVG_NS = "http://www.w3.org/2000/svg";
const EXTENSIONS = {
  json: "json",
  markdown: "md",
  text: "txt",
  hocr: "hocr",
  pdf: "pdf",
  chunks: "chunks.json",
};
const TABLE_TAGS = new Set(["TABLE", "THEAD", "TBODY", "TR", "TD", "TH"]);
// elements whose content is code or markup, never text to show
const DROPPED_TAGS = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "IFRAME", "OBJECT"]);

const $ = (id) => document.getElementById(id);

const state = {
  taskId: null,
  result: null,
  page: 1,
  images: new Map(), // page number -> blob URL, or null when the image is unavailable
  run: 0, // bumped by every upload: whatever an older one awaits is dropped on arrival
};

// ---- API access, with the key prompt ------------------------------------------------

let keyRequest = null;

function askForKey(message) {
  $("key-message").textContent = message;
  $("key-form").hidden = false;
  $("key-input").focus();
  if (!keyRequest) {
    keyRequest = new Promise((resolve) => {
      $("key-form").addEventListener(
        "submit",
        (event) => {
          event.preventDefault();
          sessionStorage.setItem(KEY_STORAGE, $("key-input").value.trim());
          $("key-input").value = "";
          $("key-form").hidden = true;
          keyRequest = null;
          resolve();
        },
        { once: true },
      );
    });
  }
  return keyRequest;
}

async function apiFetch(path, init = {}) {
  for (;;) {
    const headers = new Headers(init.headers || {});
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers.set("X-API-Key", key);
    const response = await fetch(path, { ...init, headers });
    if (response.status !== 401) return response;
    await askForKey(
      key ? "The API did not accept that key; enter another." : "This service needs an API key.",
    );
  }
}

async function problemText(response) {
  try {
    const body = await response.json();
    return `${body.detail || response.statusText} (${body.code || response.status})`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

// ---- upload and polling --------------------------------------------------------------

function setStatus(text, done, total) {
  $("status-bar").hidden = false;
  $("status").textContent = text;
  const bar = $("progress");
  bar.hidden = !total;
  if (total) {
    bar.max = total;
    bar.value = done;
  }
}

async function submit(file) {
  const run = ++state.run;
  for (const url of state.images.values()) if (url) URL.revokeObjectURL(url);
  state.images.clear();
  state.taskId = null;
  state.result = null;
  $("result").hidden = true;
  setStatus(`Uploading ${file.name}…`);
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await apiFetch(`${API}/process`, { method: "POST", body: form });
  if (run !== state.run) return; // a newer upload took over while this one was sent
  if (response.status !== 202) {
    setStatus(`Upload refused: ${await problemText(response)}`);
    return;
  }
  const taskId = (await response.json()).task_id;
  if (run !== state.run) return;
  state.taskId = taskId;
  await poll(run, taskId);
}

async function poll(run, taskId) {
  while (run === state.run) {
    const response = await apiFetch(`${API}/results/${encodeURIComponent(taskId)}`);
    if (run !== state.run) return;
    if (!response.ok) {
      setStatus(`Cannot read the task: ${await problemText(response)}`);
      return;
    }
    const body = await response.json();
    if (run !== state.run) return;
    if (body.status === "SUCCESS") {
      setStatus("Done.");
      state.result = body.result;
      showResult(run);
      return;
    }
    if (body.status === "FAILURE") {
      const error = body.result || {};
      setStatus(`Failed: ${error.error || "unknown error"} (${error.code || "?"})`);
      return;
    }
    const progress = body.progress;
    if (progress && progress.pages_total) {
      setStatus(
        `Reading page ${Math.min(progress.pages_done + 1, progress.pages_total)} of ` +
          `${progress.pages_total} (${progress.pages_done} done)`,
        progress.pages_done,
        progress.pages_total,
      );
    } else {
      setStatus(body.status === "STARTED" ? "Started…" : `Queued (${body.pending_tasks} waiting)`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

// ---- the result -----------------------------------------------------------------------

function pageInfo(number) {
  return state.result.pages.find((page) => page.page_number === number);
}

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
  showPage(state.result.pages.length ? state.result.pages[0].page_number : 1, run);
}

async function pageImage(number, run) {
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
    note.textContent = `Page image unavailable; boxes shown on a blank ${info.width} × ${info.height} page.`;
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

// ---- downloads ----------------------------------------------------------------------------

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function download(format) {
  const taskId = state.taskId;
  if (!taskId) return;
  const id = encodeURIComponent(taskId);
  const response = await apiFetch(`${API}/results/${id}/export?format=${format}`);
  if (response.ok) {
    save(await response.blob(), `${taskId}.${EXTENSIONS[format]}`);
  } else {
    setStatus(`Download failed: ${await problemText(response)}`);
  }
}

// ---- wiring -------------------------------------------------------------------------------

function wire() {
  const drop = $("drop");
  const input = $("file-input");
  input.addEventListener("change", () => {
    if (input.files.length) submit(input.files[0]).catch(showError);
    input.value = "";
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) submit(file).catch(showError);
  });
  drop.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") input.click();
  });
  for (const button of $("downloads").querySelectorAll("button[data-format]")) {
    button.addEventListener("click", () => download(button.dataset.format).catch(showError));
  }
  $("show-lines").addEventListener("change", (event) => {
    $("line-boxes").classList.toggle("hidden", !event.target.checked);
  });
  $("show-layout").addEventListener("change", (event) => {
    $("layout-boxes").classList.toggle("hidden", !event.target.checked);
  });
  $("key-button").addEventListener("click", () => {
    const form = $("key-form");
    if (form.hidden) askForKey("API key for this browser tab:");
    else form.hidden = true;
  });
  $("key-clear").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE);
    $("key-message").textContent = "Key forgotten.";
  });
}

function showError(error) {
  setStatus(`Error: ${error.message || error}`);
}

wire();
