// Shared by every page: the interface strings, and calls to the JSON API
// that carry the page's anti-forgery token.
"use strict";

const T = JSON.parse(document.getElementById("strings").textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function api(method, path, body) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { "x-csrf-token": CSRF, accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Builds an element: el("p", {class: "x"}, "text", child, ...).
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function say(text, isError) {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

// The authenticator-app step of a page that needs `substantial`. Binding
// a new authenticator needs that level already (a card login, or one
// bound before), so from a lower session the answer is a 403 naming the
// factors this citizen has. Resolves to {mode: "enrol", enrolment} (a new
// key to show), {mode: "code"} (one is bound: ask only for its code) or
// {mode: "card"} (nothing bound: the citizen card comes first).
async function authenticatorStep() {
  try {
    return { mode: "enrol", enrolment: await api("POST", "/api/identity/totp/enroll", {}) };
  } catch (error) {
    if (error.status === 409) return { mode: "code" };
    if (error.status !== 403 || error.problem.type !== "/problems/step-up-required") throw error;
    return { mode: (error.problem.factors || []).includes("totp") ? "code" : "card" };
  }
}

// Shows card_first.html's way to the card, coming back here afterwards.
function showCardFirst() {
  const link = document.getElementById("card-first-link");
  if (link) link.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  const note = document.getElementById("card-first");
  if (note) note.hidden = false;
}
