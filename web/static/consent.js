// The platform's consent screens: log in (or step up) as the records
// need, see who asks and why, untick items, consent twice.
"use strict";

const root = document.getElementById("consent");
const requestId = root.dataset.request;
const sections = ["login", "step-up", "request"].map((id) => document.getElementById(id));

function show(id) {
  for (const section of sections) section.hidden = section.id !== id;
}

function localised(value) {
  if (!value || typeof value === "string") return value || "";
  return value[document.documentElement.lang] || value["zh-TW"] || "";
}

// The authenticator-app step (see common.js): a bound app's code, a new
// app's key for a session allowed to set one up, or the card first.
async function stepUp() {
  show("step-up");
  const step = await authenticatorStep();
  const enrolling = step.mode === "enrol";
  const qr = document.getElementById("totp-qr");
  qr.replaceChildren();
  qr.hidden = !enrolling;
  document.getElementById("totp-key").hidden = !enrolling;
  document.getElementById("totp").hidden = step.mode === "card";
  document.getElementById("totp-intro").textContent = enrolling ? T.totp_intro : step.mode === "code" ? T.me_totp_known : "";
  if (enrolling) {
    document.getElementById("totp-secret").textContent = step.enrolment.secret;
    if (step.enrolment.qr_svg) {
      qr.append(el("img", { alt: "QR", src: `data:image/svg+xml;utf8,${encodeURIComponent(step.enrolment.qr_svg)}` }));
    }
  }
  if (step.mode === "card") showCardFirst();
}

async function load() {
  let request;
  try {
    request = await api("GET", `/api/consent/${encodeURIComponent(requestId)}`);
  } catch (error) {
    if (error.status === 401) {
      show("login");
      return;
    }
    say(error.message, true);
    return;
  }
  const order = ["low", "substantial", "high"];
  if (order.indexOf(request.session_level) < order.indexOf(request.required_level)) {
    try {
      await stepUp();
    } catch (error) {
      say(error.message, true);
    }
    return;
  }
  show("request");
  document.getElementById("requester").textContent = localised(request.requester.name);
  document.getElementById("purpose").textContent = localised(request.purpose);
  const terms = document.getElementById("terms");
  terms.href = request.terms_url;
  terms.textContent = request.terms_url;
  document.getElementById("level").textContent = request.required_level;
  document.getElementById("items").replaceChildren(...request.items.map((item) => {
    const id = `item-${item.dataset}`;
    return el("div", { class: "item" },
      el("input", { type: "checkbox", id, name: "dataset", value: item.dataset, checked: true }),
      el("label", { for: id }, `${item.dataset}（${item.agency}）：${item.fields.join("、")}`));
  }));
  if (request.stage === "downloaded") document.getElementById("second").hidden = false;
}

document.getElementById("knowledge").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await api("POST", "/api/identity/knowledge", Object.fromEntries(form));
    say("");
    await load();
  } catch (error) {
    say(error.message, true);
  }
});

document.getElementById("totp").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/api/identity/totp/verify", { code: document.getElementById("totp_code").value.trim() });
    say("");
    await load();
  } catch (error) {
    say(error.message, true);
  }
});

document.getElementById("first").addEventListener("submit", async (event) => {
  event.preventDefault();
  const datasets = [...document.querySelectorAll('input[name="dataset"]:checked')].map((i) => i.value);
  try {
    const downloaded = await api("POST", `/api/consent/${encodeURIComponent(requestId)}/download`, { datasets });
    document.getElementById("report").replaceChildren(...downloaded.items.map((item) =>
      el("li", { "data-status": item.status },
        `${item.dataset}：${item.status === "fetched" ? T.consent_fetched : T.consent_failed}`)));
    document.getElementById("first").hidden = true;
    document.getElementById("second").hidden = false;
    say("");
  } catch (error) {
    say(error.message, true);
  }
});

document.getElementById("second").addEventListener("submit", async (event) => {
  event.preventDefault();
  const days = document.getElementById("standing_days").value;
  try {
    const sent = await api("POST", `/api/consent/${encodeURIComponent(requestId)}/send`, days ? { standing_days: Number(days) } : {});
    location.assign(sent.redirect_to);
  } catch (error) {
    say(error.message, true);
  }
});

document.getElementById("deny").addEventListener("click", async () => {
  try {
    const denied = await api("POST", `/api/consent/${encodeURIComponent(requestId)}/deny`);
    location.assign(denied.redirect_to);
  } catch (error) {
    say(error.message, true);
  }
});

load();
