// The agency clerk's editor: sign in with the agency token (kept in this
// tab's sessionStorage, sent as a bearer token), pick a service, edit it
// as YAML or JSON. Each pause in typing runs the catalogue's own checks
// without saving (POST /api/catalog/validate); each problem is shown at
// its condition, the rule tests' results beside it, and Publish works
// only for the text that was just found valid. A new service, or a risky
// change, waits for the platform's review: the list and the editor say so.
"use strict";

const TOKEN_KEY = "navigator_agency_token";
const CHECK_DELAY_MS = 400;
const source = document.getElementById("source");
const publishButton = document.getElementById("publish");
// What is being edited: {id, format: "yaml" | "json"}.
let editing = null;
// The latest check: the text it read and the answer; older answers that
// arrive late are dropped by their sequence number.
let latest = { seq: 0, text: null, result: null };
let pending = null;

// api() of common.js, plus the agency's bearer token, extra headers and
// a body that may be text (the YAML as typed).
async function agencyApi(method, path, body, headers = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { "x-csrf-token": CSRF, accept: "application/json", ...headers },
  };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (typeof body === "string") {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function show(id) {
  document.getElementById("token-section").hidden = id !== "token-section";
  document.getElementById("work").hidden = id !== "work";
}

function localName(name) {
  return document.documentElement.lang === "en" ? name.en : name["zh-TW"];
}

function serviceRow(entry) {
  const { service } = entry;
  const edit = (format, label) => {
    const button = el("button", { type: "button", class: "secondary", "data-edit": service.id, "data-format": format }, label);
    button.addEventListener("click", () => openEditor(entry, format));
    return button;
  };
  const status = entry.review === "pending" ? T.agency_review_pending
    : entry.pending ? T.agency_change_pending : null;
  return el("tr", { "data-service": service.id, "data-review": entry.pending ? "pending" : "published" },
    el("td", {}, el("code", {}, service.id)),
    el("td", {}, localName(service.name),
      status ? el("p", { class: "review-status" }, status) : null),
    el("td", {}, `${service.conditions.length}／${service.tests.length}`),
    el("td", {}, el("div", { class: "row" }, edit("yaml", T.agency_edit_yaml), edit("json", T.agency_edit_json))));
}

async function load() {
  if (!sessionStorage.getItem(TOKEN_KEY)) {
    show("token-section");
    return;
  }
  let mine;
  try {
    mine = await agencyApi("GET", "/api/catalog/mine");
  } catch (error) {
    if (error.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      show("token-section");
      say(T.agency_token_refused, true);
    } else {
      say(error.message, true);
    }
    return;
  }
  show("work");
  document.getElementById("agency-name").textContent = `${T.agency_signed_in_as}${mine.agency}`;
  document.querySelector("#services tbody").replaceChildren(...mine.services.map(serviceRow));
  document.getElementById("services-empty").hidden = mine.services.length > 0;
}

function openEditor(entry, format) {
  editing = { id: entry.id, format };
  document.getElementById("editing").textContent = entry.id;
  document.getElementById("format").textContent = `（${format.toUpperCase()}）`;
  // A version waiting for review is the latest: edit that one.
  const latestVersion = entry.pending || entry;
  source.value = format === "yaml" ? latestVersion.yaml : JSON.stringify(latestVersion.service, null, 2);
  document.getElementById("editor").hidden = false;
  say("");
  check();
  source.focus();
}

// Runs the checks on the text as it is now; the answer, or null when a
// newer check has started meanwhile.
async function check() {
  clearTimeout(pending);
  const seq = latest.seq + 1;
  const text = source.value;
  latest = { seq, text: null, result: null };
  publishButton.disabled = true;
  document.getElementById("validity").textContent = T.agency_checking;
  const type = editing.format === "json" ? "application/json" : "application/yaml";
  let result;
  try {
    result = await agencyApi("POST", "/api/catalog/validate", text, { "content-type": type });
  } catch (error) {
    if (seq === latest.seq) say(error.message, true);
    return null;
  }
  if (seq !== latest.seq) return null;
  latest = { seq, text, result };
  render(result);
  return result;
}

function problemList(errors) {
  return el("ul", { class: "problems" }, errors.map((e) => el("li", { class: "problem" }, `✗ ${e.reason}`)));
}

// Puts the caret on the condition in the text, so that its message and
// the place to fix it are one keystroke apart.
function goToCondition(id) {
  const marks = [`id: ${id}`, `"id": "${id}"`, `id: '${id}'`, `id: "${id}"`];
  const at = marks.map((m) => source.value.indexOf(m)).find((i) => i >= 0);
  if (at === undefined) return;
  source.focus();
  source.setSelectionRange(at, at);
  // Scroll the text so the condition's line is near the top.
  const line = source.value.slice(0, at).split("\n").length - 1;
  source.scrollTop = Math.max(0, line - 2) * parseFloat(getComputedStyle(source).lineHeight);
}

function conditionItem(condition, errors) {
  const mine = errors.filter((e) => e.condition === condition.id);
  const jump = el("button", { type: "button", class: "jump", "aria-label": `${T.agency_go_to} ${condition.id}` },
    el("code", { class: "condition-id" }, condition.id));
  jump.addEventListener("click", () => goToCondition(condition.id));
  return el("li", { class: mine.length ? "condition invalid" : "condition", "data-condition": condition.id },
    jump,
    el("pre", {}, condition.cel),
    mine.length ? problemList(mine) : el("p", { class: "ok" }, `✓ ${T.agency_condition_ok}`));
}

function testRow(test, errors) {
  const mine = errors.filter((e) => e.test === test.name);
  return el("tr", { "data-test": test.name, "data-passed": String(test.passed) },
    el("td", {}, test.name),
    el("td", {}, test.expect),
    el("td", {}, test.got || "—", test.deciding.length ? el("small", {}, ` (${test.deciding.join(", ")})`) : null),
    el("td", {}, test.passed ? `✓ ${T.agency_test_passed}` : `✗ ${T.agency_test_failed}`,
      mine.length ? problemList(mine) : null));
}

function render(result) {
  const errors = result.errors || [];
  const service = result.service;
  const conditions = service ? service.conditions : [];
  document.getElementById("conditions").replaceChildren(...(conditions.length
    ? conditions.map((c) => conditionItem(c, errors))
    : [el("li", {}, T.agency_conditions_none)]));
  const other = errors.filter((e) => !e.condition && !e.test);
  document.getElementById("other-problems").replaceChildren(...other.map((e) => el("li", { class: "problem" },
    e.line ? `${T.agency_line.replace("{line}", e.line)}：` : "", `✗ ${e.reason}`)));
  document.getElementById("other").hidden = other.length === 0;
  const tests = result.tests || [];
  document.querySelector("#tests tbody").replaceChildren(...tests.map((t) => testRow(t, errors)));
  document.getElementById("tests-not-run").hidden = Boolean(result.tests) || !service;
  const validity = document.getElementById("validity");
  validity.textContent = result.valid ? T.agency_valid : `${T.agency_invalid}${errors.length}`;
  if (result.valid && result.review && result.review.length) {
    validity.textContent += ` ${T.agency_will_be_reviewed}${result.review.join("；")}`;
  }
  validity.classList.toggle("error", !result.valid);
  publishButton.disabled = !result.valid;
}

// Publishes only what is valid now: the text is checked once more, and
// the service as the check read it is what goes out; the platform checks
// it again and refuses anything that fails, changing nothing.
async function publish() {
  publishButton.disabled = true;
  const result = latest.text === source.value && latest.result ? latest.result : await check();
  if (!result || !result.valid) return;
  const { service } = result;
  try {
    const answer = result.exists
      ? await agencyApi("PUT", `/api/catalog/services/${encodeURIComponent(service.id)}`, service)
      : await agencyApi("POST", "/api/catalog/services", service);
    say(answer && answer.review === "pending"
      ? `${T.agency_sent_for_review}${(answer.reasons || []).join("；")}`
      : T.agency_published);
    editing.id = service.id;
    await load();
  } catch (error) {
    if (error.problem.errors) render({ valid: false, service, errors: error.problem.errors, tests: result.tests });
    say(`${T.agency_refused}${error.message}`, true);
  }
}

document.getElementById("token-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById("agency_token").value.trim());
  event.target.reset();
  say("");
  await load();
});

document.getElementById("forget-token").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById("editor").hidden = true;
  show("token-section");
});

source.addEventListener("input", () => {
  publishButton.disabled = true;
  clearTimeout(pending);
  pending = setTimeout(check, CHECK_DELAY_MS);
});

publishButton.addEventListener("click", publish);

load();
