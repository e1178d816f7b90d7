// Runs the viewer's scripts (in the order the page loads them) in node against a minimal
// stand-in DOM and a scripted fetch, and prints what happened as JSON.
// Usage: node harness.js SCENARIO SCRIPT...
"use strict";
const fs = require("fs");
const vm = require("vm");

function element(tag) {
  return {
    tag,
    hidden: false,
    textContent: "",
    value: "",
    files: [],
    children: [],
    dataset: {},
    style: {},
    listeners: {},
    classList: { add() {}, remove() {}, toggle() {} },
    addEventListener(type, listener) {
      (this.listeners[type] ||= []).push(listener);
    },
    replaceChildren(...children) {
      this.children = children;
    },
    append(...children) {
      this.children.push(...children);
    },
    remove() {},
    click() {},
    focus() {},
    setAttribute() {},
    removeAttribute() {},
    querySelector() {
      return null;
    },
    querySelectorAll() {
      return [];
    },
    decode() {
      return Promise.resolve();
    },
    getBoundingClientRect() {
      return { left: 0, bottom: 0 };
    },
  };
}

const elements = new Map();
const document = {
  getElementById(id) {
    if (!elements.has(id)) elements.set(id, element(id));
    return elements.get(id);
  },
  createElement: element,
  createElementNS: (_, tag) => element(tag),
  createTextNode: (text) => ({ textContent: text }),
  createDocumentFragment: () => element("fragment"),
  body: element("body"),
};

// every fetch waits until the scenario answers it: pending[url] holds its resolvers
const requests = [];
const pending = [];
const lastEventIds = [];
function fetch(url, init = {}) {
  requests.push(`${init.method || "GET"} ${url}`);
  if (String(url).endsWith("/events")) lastEventIds.push(init.headers.values["Last-Event-ID"] || null);
  return new Promise((resolve) => pending.push({ url: String(url), resolve }));
}
function json(status, body) {
  return { status, ok: status >= 200 && status < 300, json: async () => body, blob: async () => ({}) };
}
// answers the first pending request whose URL holds `fragment` (or, with `$` at the end of
// it, ends with the rest)
async function answer(fragment, response) {
  const matches = fragment.endsWith("$")
    ? (url) => url.endsWith(fragment.slice(0, -1))
    : (url) => url.includes(fragment);
  for (;;) {
    const index = pending.findIndex((p) => matches(p.url));
    if (index >= 0) {
      pending.splice(index, 1)[0].resolve(response);
      await settle();
      return;
    }
    await settle();
  }
}
// an event stream that sends `text` and closes
function stream(text) {
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
  return { status: 200, ok: true, headers: { get: () => "text/event-stream" }, body };
}
const sse = (...events) =>
  events.map(([name, id, data]) => `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const sandbox = {
  document,
  fetch,
  console,
  Headers: class {
    constructor(init = {}) {
      this.values = { ...init };
    }
    set(name, value) {
      this.values[name] = value;
    }
  },
  FormData: class {
    append() {}
  },
  Blob: class {},
  URL: { createObjectURL: () => "blob:x", revokeObjectURL() {} },
  sessionStorage: { getItem: () => null, setItem() {}, removeItem() {} },
  window: { innerWidth: 1000 },
  setTimeout: (fn, ms) => setTimeout(fn, ms === 500 ? 0 : ms),
  TextDecoderStream,
};
vm.createContext(sandbox);
for (const script of process.argv.slice(3)) vm.runInContext(fs.readFileSync(script, "utf8"), sandbox);
const page = { page_number: 1, width: 10, height: 10 };
const result = (name) => ({ name, pages: [page], detections: [], layout: [], tables: [] });
const app = (expression) => vm.runInContext(expression, sandbox);

const scenarios = {
  // the first upload's answer comes after the second's: the second task must stay shown
  async "uploads-answered-out-of-order"() {
    app("submit({ name: 'a.png' })");
    app("submit({ name: 'b.png' })");
    await settle();
    const posts = pending.filter((p) => p.url.endsWith("/process"));
    posts[1].resolve(json(202, { task_id: "B" }));
    await answer("/results/B", json(200, { status: "PENDING", pending_tasks: 0 }));
    posts[0].resolve(json(202, { task_id: "A" }));
    await settle();
    await answer("/results/", json(200, { status: "SUCCESS", result: result("?") }));
    await settle();
    return { requests, taskId: app("state.taskId"), result: app("state.result?.name") };
  },
  // a poll answered after a new upload started must not show the old task
  async "poll-answered-after-a-new-upload"() {
    app("submit({ name: 'a.png' })");
    await answer("/process", json(202, { task_id: "A" }));
    app("submit({ name: 'b.png' })");
    await answer("/results/A", json(200, { status: "SUCCESS", result: result("A") }));
    return { requests, result: app("state.result?.name") || null, shown: !elements.get("result").hidden };
  },
  // the export route failing is reported, not replaced by the JSON the page holds
  async "failed-json-download"() {
    app("submit({ name: 'a.png' })");
    await answer("/process", json(202, { task_id: "A" }));
    await answer("/events", json(404, { detail: "Not Found", code: "not_found" }));
    await answer("/results/A", json(200, { status: "SUCCESS", result: result("A") }));
    await answer("/pages/", json(404, { detail: "gone", code: "not_found" }));
    app("download('json')");
    await answer("/export", json(404, { detail: "Unknown or expired task id.", code: "not_found" }));
    return { requests, status: elements.get("status").textContent };
  },
  // pages are drawn as their events come, before the end; then the result is read once
  async "pages-streamed-before-the-end"() {
    app("submit({ name: 'a.pdf' })");
    await answer("/process", json(202, { task_id: "A" }));
    const part = (n) => ({ page: { page_number: n, width: 10, height: 10 }, detections: [{ page_number: n, box: [[0, 0], [1, 0], [1, 1], [0, 1]], text: `line ${n}`, confidence: 0.9 }], layout: [], tables: [] });
    await answer("/events", stream(sse(["progress", 0, { pages_done: 0, pages_total: 2 }], ["page", 1, part(2)], ["page", 2, part(1)])));
    await settle();
    const before = {
      pages: app("state.result.pages.map((p) => p.page_number)"),
      lines: app("state.result.detections.map((d) => d.text)"),
      shown: !elements.get("result").hidden,
      status: elements.get("status").textContent,
    };
    // the stream broke before its end: it is opened again after the last id
    await answer("/events", stream(sse(["end", 2, { status: "SUCCESS", error: null, code: null }])));
    await answer("/results/A$", json(200, { status: "SUCCESS", result: result("A") }));
    await settle();
    return { requests, lastEventIds, before, result: app("state.result.name"), ended: app("state.ended") };
  },
};

scenarios[process.argv[2]]().then(
  (outcome) => {
    console.log(JSON.stringify(outcome));
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
