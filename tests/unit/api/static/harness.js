// Runs the viewer's app.js in node against a minimal stand-in DOM and a scripted fetch, and
// prints what happened as JSON. Usage: node harness.js APP_JS SCENARIO
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
function fetch(url, init = {}) {
  requests.push(`${init.method || "GET"} ${url}`);
  return new Promise((resolve) => pending.push({ url: String(url), resolve }));
}
function json(status, body) {
  return { status, ok: status >= 200 && status < 300, json: async () => body, blob: async () => ({}) };
}
async function answer(fragment, response) {
  for (;;) {
    const index = pending.findIndex((p) => p.url.includes(fragment));
    if (index >= 0) {
      pending.splice(index, 1)[0].resolve(response);
      await settle();
      return;
    }
    await settle();
  }
}
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const sandbox = {
  document,
  fetch,
  console,
  Headers: class {
    constructor() {
      this.values = {};
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
};
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.argv[2], "utf8"), sandbox);
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
    await answer("/results/A", json(200, { status: "SUCCESS", result: result("A") }));
    await answer("/pages/", json(404, { detail: "gone", code: "not_found" }));
    app("download('json')");
    await answer("/export", json(404, { detail: "Unknown or expired task id.", code: "not_found" }));
    return { requests, status: elements.get("status").textContent };
  },
};

scenarios[process.argv[3]]().then(
  (outcome) => {
    console.log(JSON.stringify(outcome));
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
