// One case for its worker (or the team's supervisor): summary, urgency
// and why, notes, referrals moving referred → accepted → done, the
// delegated-consent link for the client, and the analysis on the records
// the client delegated. Also where the platform sends the client back
// after consenting (?consent=granted): they see a thank-you, nothing else.
"use strict";

const caseId = document.getElementById("case-page").dataset.case;
const casePath = `/api/cases/${encodeURIComponent(caseId)}`;
const granted = new URLSearchParams(location.search).get("consent") === "granted";
// Service id → name in the page's language, from the catalogue.
const serviceNames = new Map();
const NEXT_STATUS = { referred: "accepted", accepted: "done" };
const SIGNALS = ["children", "elderly", "disability", "low_income", "job_loss", "bereavement"];

function localName(name) {
  if (!name) return "";
  return document.documentElement.lang === "en" ? name.en : name["zh-TW"];
}

function showUrgency(urgency, signals) {
  document.getElementById("tier").textContent = T[`staff_tier_${urgency.tier}`];
  document.getElementById("reasons").replaceChildren(
    ...urgency.reasons.map((r) => el("li", { "data-reason": r.code }, inLanguage(r))));
  const known = SIGNALS.filter((s) => signals[s]).map((s) => el("li", { "data-signal": s }, T[`case_signal_${s}`]));
  if (signals.crisis) known.unshift(el("li", { "data-signal": "crisis" }, `${T.case_signal_crisis}：${signals.crisis}`));
  if (signals.needs.length) known.push(el("li", {}, `${T.case_signal_needs}：${signals.needs.join("、")}`));
  document.getElementById("signals").replaceChildren(...(known.length ? known : [el("li", {}, T.case_signals_none)]));
}

function noteItem(note) {
  return el("li", { "data-note": note.id }, el("p", {}, note.text), el("small", {}, `${note.author}｜${note.at}`));
}

function referralRow(referral) {
  const next = NEXT_STATUS[referral.status];
  let action = "";
  if (next) {
    action = el("button", { type: "button", class: "secondary", "data-move": next }, T[`case_referral_to_${next}`]);
    action.addEventListener("click", () => move(referral.id, next, action));
  }
  return el("tr", { "data-referral": referral.id, "data-status": referral.status },
    el("td", {}, serviceNames.get(referral.service_id) || referral.service_id,
      el("br"), el("small", {}, referral.service_id),
      referral.note ? el("p", {}, referral.note) : null),
    el("td", { class: "referral-status" }, T[`case_referral_${referral.status}`] || referral.status),
    el("td", {}, `${referral.updated}（${referral.updated_by}）`),
    el("td", {}, action));
}

function showReferrals(referrals) {
  document.querySelector("#referrals tbody").replaceChildren(...referrals.map(referralRow));
  document.getElementById("referrals").hidden = referrals.length === 0;
  document.getElementById("referrals-empty").hidden = referrals.length > 0;
}

function showCase(detail) {
  const c = detail.case;
  document.getElementById("case-subject").textContent = c.subject;
  document.getElementById("case-status").textContent = T[`case_status_${c.status}`] || c.status;
  document.getElementById("case-opened").textContent = c.opened;
  document.getElementById("case-worker").textContent = `${c.worker}／${c.team}`;
  document.getElementById("case-summary").textContent = c.summary;
  showUrgency(detail.urgency, detail.signals);
  const notes = detail.notes.map(noteItem);
  document.getElementById("notes").replaceChildren(...(notes.length ? notes : [el("li", {}, T.case_notes_empty)]));
  showReferrals(detail.referrals);
}

async function reload() {
  showCase(await api("GET", casePath));
}

async function loadServices() {
  const listed = await api("GET", "/api/catalog/services");
  const select = document.getElementById("refer_service");
  for (const { service } of listed) {
    serviceNames.set(service.id, localName(service.name));
    select.append(el("option", { value: service.id }, `${localName(service.name)}（${service.id}）`));
  }
}

async function move(referralId, status, button) {
  button.disabled = true;
  try {
    await api("POST", `${casePath}/referrals/${encodeURIComponent(referralId)}/status`, { status });
    say("");
    await reload();
  } catch (error) {
    say(error.message, true);
    button.disabled = false;
  }
}

function analysisCard(service) {
  const verdicts = { eligible: T.verdict_eligible, unknown: T.verdict_unknown, ineligible: T.verdict_ineligible };
  return el("article", { class: "card service", "data-service": service.service },
    el("header", {}, el("h3", {}, service.name),
      el("span", { class: `badge ${service.verdict}`, "data-verdict": service.verdict }, verdicts[service.verdict] || service.verdict)),
    service.reasons.length ? el("ul", {}, service.reasons.map((r) => el("li", {}, r))) : null,
    el("p", {}, el("strong", {}, `${T.next_step}：`), service.next_step));
}

async function showAnalysis(button) {
  const target = document.getElementById("analysis");
  button.disabled = true;
  say(T.case_analysis_loading);
  try {
    const seen = await api("GET", `${casePath}/analysis`);
    target.replaceChildren(
      el("h3", {}, T.case_analysis_services),
      seen.reply.services.length
        ? el("div", { class: "cards" }, seen.reply.services.map(analysisCard))
        : el("p", {}, T.case_analysis_none),
      seen.reply.data_used.length
        ? el("section", { class: "used" }, el("h3", {}, T.used_title),
          el("ul", {}, seen.reply.data_used.map((u) => el("li", {}, `${u.dataset}（${u.agency}）${u.fetched_at}`))))
        : null);
    showUrgency(seen.urgency, seen.signals);
    say("");
  } catch (error) {
    if (error.status === 403) {
      target.replaceChildren(el("p", { class: "refused", role: "alert" }, T.case_analysis_refused));
      say("");
    } else {
      say(error.message, true);
    }
  } finally {
    button.disabled = false;
  }
}

function onSubmit(id, handler) {
  document.getElementById(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await handler(event.target);
      say("");
    } catch (error) {
      say(error.message, true);
    }
  });
}

onSubmit("note-form", async (form) => {
  await api("POST", `${casePath}/notes`, { text: form.elements.text.value });
  form.reset();
  await reload();
});

onSubmit("refer-form", async (form) => {
  const note = form.elements.note.value.trim();
  await api("POST", `${casePath}/referrals`, { service_id: form.elements.service_id.value, note: note || undefined });
  form.reset();
  await reload();
});

onSubmit("consent-form", async (form) => {
  const datasets = [...form.querySelectorAll('input[name="dataset"]:checked')].map((i) => i.value);
  if (!datasets.length) throw new Error(T.case_consent_pick);
  const asked = await api("POST", `${casePath}/consent`, { datasets });
  // The link is this site's path; the client opens it on their own device.
  const link = new URL(asked.authorize_url, location.origin).href;
  const anchor = document.getElementById("authorize");
  anchor.href = link;
  anchor.textContent = link;
  document.getElementById("consent-link").hidden = false;
});

document.getElementById("show-analysis").addEventListener("click", (event) => showAnalysis(event.target));

if (granted) document.getElementById("granted").hidden = false;

startStaffPage(
  async () => {
    try {
      await loadServices();
      await reload();
    } catch (error) {
      say(error.message, true);
    }
  },
  // The client coming back from the platform is not staff: the thank-you
  // is all they need, not a staff sign-in.
  (error) => granted && (error.status === 401 || error.status === 403),
);
