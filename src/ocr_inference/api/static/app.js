// The ocr-inference viewer: upload a document, follow it through its event stream (pages
// drawn as the workers finish them; polling where the stream cannot be read), then show
// each page with its text boxes. api.js reaches the API, viewer.js draws; this file holds
// the state, the upload and the page's wiring.
"use strict";

const POLL_MS = 500;
const STREAM_TRIES = 3; // streams opened in a row without an event before polling instead
const EXTENSIONS = {
  json: "json",
  markdown: "md",
  text: "txt",
  hocr: "hocr",
  alto: "xml",
  pdf: "pdf",
  chunks: "chunks.json",
};

const state = {
  taskId: null,
  result: null, // the pages received so far while the task runs; its result once ended
  ended: false,
  shown: false, // whether a page of this upload has been shown
  page: 1,
  images: new Map(), // page number -> blob URL, or null when the image is unavailable
  run: 0, // bumped by every upload: whatever an older one awaits is dropped on arrival
};

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
  state.ended = false;
  state.shown = false;
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
  await follow(run, taskId);
}

function showProgress(progress) {
  setStatus(
    `Reading page ${Math.min(progress.pages_done + 1, progress.pages_total)} of ` +
      `${progress.pages_total} (${progress.pages_done} done)`,
    progress.pages_done,
    progress.pages_total,
  );
}

// A page event's part added to the pages received so far (its block indexes are the
// page's own; the viewer draws by page number).
function addPage(part, run) {
  const received = state.result || { pages: [], detections: [], layout: [], tables: [] };
  if (received.pages.some((page) => page.page_number === part.page.page_number)) return;
  received.pages.push(part.page);
  received.pages.sort((a, b) => a.page_number - b.page_number);
  received.detections.push(...part.detections);
  received.layout.push(...part.layout);
  received.tables.push(...part.tables);
  state.result = received;
  showResult(run);
}

// Follows the task's event stream, resuming after a break from the last event's id; ends
// by reading the task's result (one poll), or polls from the start where no stream can be
// read at all.
async function follow(run, taskId) {
  let lastId = null;
  let fruitless = 0;
  while (run === state.run && fruitless < STREAM_TRIES) {
    let ended = false;
    let heard = false;
    const onEvent = (event) => {
      if (run !== state.run) return false;
      heard = true;
      if (event.id !== null) lastId = event.id;
      if (event.event === "progress") showProgress(event.data);
      else if (event.event === "page") addPage(event.data, run);
      else if (event.event === "end") ended = true;
      return !ended && event.event !== "error";
    };
    try {
      const { outcome } = await readEvents(taskId, lastId, onEvent);
      if (outcome === "refused") break;
    } catch {
      // the connection broke: open the stream again from the last id
    }
    if (ended) break;
    fruitless = heard ? 0 : fruitless + 1;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  if (run === state.run) await poll(run, taskId);
}

async function poll(run, taskId) {
  while (run === state.run) {
    const response = await apiFetch(`${API}/results/${encodeURIComponent(taskId)}`);
    if (run !== state.run) return;
    if (response.status === 503) {
      // Redis or the queue is unreachable for a moment: keep asking
      setStatus(`Service unavailable, retrying: ${await problemText(response)}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      continue;
    }
    if (!response.ok) {
      setStatus(`Cannot read the task: ${await problemText(response)}`);
      return;
    }
    const body = await response.json();
    if (run !== state.run) return;
    if (body.status === "SUCCESS") {
      setStatus("Done.");
      state.ended = true;
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
      showProgress(progress);
    } else if (body.status === "STARTED") {
      setStatus("Started…");
    } else {
      const ahead = body.queue_position;
      setStatus(ahead ? `Queued (${ahead} ahead)` : `Queued (${body.pending_tasks} waiting)`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
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
