// The citizen's own page: log in when needed, then their consents (revoke,
// download the signed receipt), counter tickets (with a step-up when the
// records need one) and the trail (me-trail.js, loaded first).
"use strict";

const mine = document.getElementById("mine");
const loginSection = document.getElementById("login");
const stepUpSection = document.getElementById("step-up");
// A ticket request refused for its level, made again after the step-up.
let pendingTicket = null;

function showLogin() {
  loginSection.hidden = false;
  mine.hidden = true;
}

// Any failure: an ended session brings the login back.
function failed(error) {
  if (error.status === 401 && error.problem.type !== "/problems/step-up-required") showLogin();
  say(error.message, true);
}

function svgImage(svg, alt) {
  return el("img", { alt, src: `data:image/svg+xml;utf8,${encodeURIComponent(svg)}` });
}

function scopeText(scope) {
  return Object.entries(scope || {}).map(([dataset, fields]) => `${dataset} (${fields.join(", ")})`).join("; ");
}

function consentRow(consent, active) {
  const ended = consent.revoked_at
    ? [`${T.me_revoked_at} `, timeEl(consent.revoked_at)]
    : [`${T.me_expired_at} `, timeEl(consent.expires_at)];
  // The buttons' names carry the recipient, so a screen reader's list of
  // buttons says whose consent each one acts on.
  const buttons = el("div", { class: "row" },
    active && el("button", { type: "button", class: "danger", "data-revoke": consent.id,
      "aria-label": `${T.me_revoke}${COLON}${consent.recipient}` }, T.me_revoke),
    el("button", { type: "button", class: "secondary", "data-receipt": consent.id,
      "aria-label": `${T.me_receipt}${COLON}${consent.recipient}` }, T.me_receipt));
  return el("tr", { "data-consent": consent.id },
    el("td", {}, consent.recipient),
    el("td", {}, scopeText(consent.scope)),
    el("td", {}, consent.standing ? T.me_standing : T.me_once),
    el("td", {}, timeEl(consent.given_at)),
    el("td", {}, active ? timeEl(consent.expires_at) : ended),
    el("td", {}, buttons));
}

function fillTable(id, rows) {
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6 }, T.me_consents_none)));
  document.querySelector(`#${id} tbody`).replaceChildren(...rows);
}

async function loadConsents() {
  const consents = await api("GET", "/api/me/consents");
  const now = Date.now();
  const active = consents.filter((c) => !c.revoked_at && Date.parse(c.expires_at) > now);
  const past = consents.filter((c) => !active.includes(c));
  fillTable("consents-active", active.map((c) => consentRow(c, true)));
  fillTable("consents-past", past.map((c) => consentRow(c, false)));
  // Providers the citizen dealt with before, offered in the ticket form.
  const recipients = [...new Set(consents.map((c) => c.recipient))].sort();
  document.getElementById("recipients").replaceChildren(...recipients.map((r) => el("option", { value: r })));
}

// What waits in the personal cloud: gathered for whom, which records,
// until when. The records themselves stay sealed.
async function loadCloud() {
  const packages = await api("GET", "/api/me/cloud");
  const rows = packages.map((p) => el("tr", { "data-package": p.id },
    el("td", {}, p.recipient),
    el("td", {}, p.datasets.join("、")),
    el("td", {}, timeEl(p.created_at)),
    el("td", {}, timeEl(p.expires_at))));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 4 }, T.me_cloud_none)));
  document.querySelector("#cloud-packages tbody").replaceChildren(...rows);
}

async function load() {
  let session;
  try {
    session = await api("GET", "/api/me");
  } catch (error) {
    if (error.status === 401) showLogin();
    else say(error.message, true);
    return;
  }
  loginSection.hidden = true;
  mine.hidden = false;
  document.getElementById("session").textContent =
    `${T.me_session}${COLON}${session.subject} · ${T[`me_level_${session.level}`] || session.level} · ` +
    `${T.me_session_until} ${localTime(session.expires_at)}`;
  try {
    await Promise.all([loadConsents(), loadTrail(), loadCloud()]);
  } catch (error) {
    failed(error);
  }
}

// The receipt is a compact JWS (`application/jose`), not JSON: saved as a
// file through a Blob, since the session cookie must go with the request.
async function downloadReceipt(id) {
  const response = await fetch(`/api/me/consents/${encodeURIComponent(id)}/receipt`, {
    credentials: "same-origin",
  });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const url = URL.createObjectURL(new Blob([await response.text()], { type: "application/jose" }));
  const link = el("a", { href: url, download: `consent-receipt-${id}.jws`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  say(T.me_receipt_saved);
}

document.getElementById("consents").addEventListener("click", async (event) => {
  const revoke = event.target.closest("[data-revoke]");
  const receipt = event.target.closest("[data-receipt]");
  try {
    if (revoke) {
      revoke.disabled = true;
      await api("DELETE", `/api/me/consents/${encodeURIComponent(revoke.dataset.revoke)}`);
      say(T.me_revoked);
      await Promise.all([loadConsents(), loadTrail(), loadCloud()]);
    } else if (receipt) {
      await downloadReceipt(receipt.dataset.receipt);
    }
  } catch (error) {
    if (revoke) revoke.disabled = false;
    failed(error);
  }
});

function showTicket(ticket) {
  const section = document.getElementById("ticket");
  document.getElementById("ticket-qr").replaceChildren(svgImage(ticket.barcode_svg, T.me_ticket_qr));
  document.getElementById("ticket-code").textContent = ticket.code;
  document.getElementById("ticket-id").textContent = ticket.ticket_id;
  document.getElementById("ticket-expires").replaceChildren(timeEl(ticket.expires_at));
  document.getElementById("ticket-items").replaceChildren(...(ticket.items || []).map((item) =>
    el("li", { "data-status": item.status },
      `${item.dataset}${COLON}${item.status === "fetched" ? T.me_ticket_fetched : T.me_ticket_failed}`)));
  section.hidden = false;
  section.scrollIntoView({ block: "nearest" });
  loadCloud().catch(failed);
}

// The authenticator-app step: the code of the app set up before; a new
// app's key only for a session allowed to set one up; and for a citizen
// with none at low, the way to the card (common.js).
async function stepUp() {
  const qr = document.getElementById("totp-qr");
  qr.replaceChildren();
  const step = await authenticatorStep();
  const enrolling = step.mode === "enrol";
  document.getElementById("totp-key").hidden = !enrolling;
  document.getElementById("totp-qr").hidden = !enrolling;
  document.getElementById("totp").hidden = step.mode === "card";
  document.getElementById("totp-intro").textContent = enrolling ? T.totp_intro : step.mode === "code" ? T.me_totp_known : "";
  if (enrolling) {
    document.getElementById("totp-secret").textContent = step.enrolment.secret;
    if (step.enrolment.qr_svg) qr.append(svgImage(step.enrolment.qr_svg, T.totp_secret));
  }
  if (step.mode === "card") showCardFirst();
  stepUpSection.hidden = false;
  if (step.mode !== "card") document.getElementById("totp_code").focus();
}

async function makeTicket(request) {
  const button = document.getElementById("make-ticket");
  button.disabled = true;
  try {
    const ticket = await api("POST", "/api/counter/tickets", request);
    pendingTicket = null;
    stepUpSection.hidden = true;
    showTicket(ticket);
    say("");
    await Promise.all([loadConsents(), loadTrail(), loadCloud()]);
  } catch (error) {
    if (error.problem.type === "/problems/step-up-required") {
      pendingTicket = request;
      say(error.message);
      await stepUp().catch(failed);
    } else {
      failed(error);
    }
  } finally {
    button.disabled = false;
  }
}

document.getElementById("ticket-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const datasets = [...form.querySelectorAll('input[name="dataset"]:checked')].map((i) => i.value);
  if (!datasets.length) {
    say(T.me_ticket_choose, true);
    return;
  }
  await makeTicket({ provider: form.elements.provider.value.trim(), datasets });
});

document.getElementById("totp").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/api/identity/totp/verify", { code: document.getElementById("totp_code").value.trim() });
    stepUpSection.hidden = true;
    say("");
    await load();
    if (pendingTicket) await makeTicket(pendingTicket);
  } catch (error) {
    failed(error);
  }
});

document.getElementById("knowledge").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/api/identity/knowledge", Object.fromEntries(new FormData(event.target)));
    say("");
    await load();
  } catch (error) {
    say(error.message, true);
  }
});

document.getElementById("logout").addEventListener("click", async () => {
  try {
    await api("POST", "/api/identity/logout");
    location.assign("/me");
  } catch (error) {
    failed(error);
  }
});

load();
