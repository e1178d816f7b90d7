// The viewer's access to the API: the X-API-Key prompt, fetch with the key, problem
// texts, and a task's event stream read with fetch() (EventSource cannot send X-API-Key).
"use strict";

const API = "/api/v1/ocr";
const KEY_STORAGE = "ocr-inference.api-key";

const $ = (id) => document.getElementById(id);

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

// One event of a text/event-stream block: {event, id, data}, or null for a comment.
function parseEvent(block) {
  const event = { event: "message", id: null, data: [] };
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event.event = value;
    else if (field === "id") event.id = value;
    else if (field === "data") event.data.push(value);
  }
  if (!event.data.length) return null;
  return { ...event, data: JSON.parse(event.data.join("\n")) };
}

// Reads the events of task `taskId` after `lastId` and hands each to `onEvent` until the
// stream closes. Resolves to "closed", or to "refused" (with the response) when the answer
// is not an event stream; rejects when the connection fails.
async function readEvents(taskId, lastId, onEvent) {
  const headers = { Accept: "text/event-stream" };
  if (lastId !== null) headers["Last-Event-ID"] = lastId;
  const path = `${API}/results/${encodeURIComponent(taskId)}/events`;
  const response = await apiFetch(path, { headers });
  const type = (response.headers && response.headers.get("content-type")) || "";
  if (!response.ok || !response.body || !type.startsWith("text/event-stream")) {
    return { outcome: "refused", response };
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { outcome: "closed" };
    buffer += value.replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = parseEvent(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (event && onEvent(event) === false) {
        reader.cancel().catch(() => undefined);
        return { outcome: "stopped" };
      }
    }
  }
}
