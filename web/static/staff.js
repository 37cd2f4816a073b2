// Staff pages: signing a worker in (knowledge factors, then an
// authenticator code up to level substantial; a worker with no
// authenticator sets one up after a citizen-card login), shared by the
// queue and the case page; and the queue page itself when it is the one
// loaded.
"use strict";

const STEP_UP = "/problems/step-up-required";
const SIGN_IN_SECTIONS = ["login", "step-up", "not-staff", "work"];

function showOnly(id) {
  for (const name of SIGN_IN_SECTIONS) {
    const section = document.getElementById(name);
    if (section) section.hidden = name !== id;
  }
}

// The text in the page's language of a {zh_tw, en} pair from the API.
function inLanguage(pair) {
  return document.documentElement.lang === "en" ? pair.en : pair.zh_tw;
}

// The authenticator step (see common.js): a bound app's code, a new
// app's key for a session allowed to set one up, or the card first.
async function showEnrolment() {
  const enrol = document.getElementById("totp-enrol");
  enrol.hidden = true;
  let step;
  try {
    step = await authenticatorStep();
  } catch (error) {
    say(error.message, true);
    return;
  }
  document.getElementById("totp").hidden = step.mode === "card";
  if (step.mode === "card") {
    showCardFirst();
    return;
  }
  if (step.mode !== "enrol") return;
  document.getElementById("totp-secret").textContent = step.enrolment.secret;
  const qr = document.getElementById("totp-qr");
  qr.replaceChildren();
  if (step.enrolment.qr_svg) {
    qr.append(el("img", { alt: "QR", src: `data:image/svg+xml;utf8,${encodeURIComponent(step.enrolment.qr_svg)}` }));
  }
  enrol.hidden = false;
}

// Signs the worker in as far as needed, then calls ready(me). `refused`
// decides what a visitor who is not (signed in as) staff sees; by
// default the sign-in forms.
function startStaffPage(ready, refused) {
  async function load() {
    let me;
    try {
      me = await api("GET", "/api/staff/me");
    } catch (error) {
      if (refused && refused(error)) return;
      if (error.status === 401 && error.problem.type === STEP_UP) {
        showOnly("step-up");
        await showEnrolment();
      } else if (error.status === 401) {
        showOnly("login");
      } else if (error.status === 403) {
        showOnly("not-staff");
      } else {
        say(error.message, true);
      }
      return;
    }
    showOnly("work");
    await ready(me);
  }

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

  load();
}

// ---- The queue page --------------------------------------------------

function queueRow(item) {
  return el("tr", { "data-case": item.id, "data-tier": item.urgency.tier },
    el("td", {}, item.position),
    el("td", {}, item.subject),
    el("td", {}, el("span", { class: `tier tier-${item.urgency.tier}` }, T[`staff_tier_${item.urgency.tier}`])),
    el("td", {}, el("ul", { class: "queue-reasons" }, item.urgency.reasons.map((r) => el("li", {}, inLanguage(r))))),
    el("td", {}, item.waiting_days),
    el("td", {}, el("a", { href: `/cases/${encodeURIComponent(item.id)}` }, `${T.staff_case_open} ${item.id}`)));
}

async function showQueue(me) {
  const role = T[`staff_role_${me.role}`] || me.role;
  const team = me.team ? `；${T.staff_team} ${me.team}` : "";
  document.getElementById("me").textContent = `${T.staff_signed_in_as}${me.name}（${role}${team}）`;
  // Only a social worker opens cases; a supervisor reads the team's.
  document.getElementById("open-case").hidden = me.role !== "social_worker";
  const queue = await api("GET", "/api/cases/queue");
  document.querySelector("#queue tbody").replaceChildren(...queue.cases.map(queueRow));
  document.getElementById("queue").hidden = queue.cases.length === 0;
  document.getElementById("queue-empty").hidden = queue.cases.length > 0;
}

// Opening a case waits for the model to read the summary; while the
// embedding workers are busy the server answers 503 and we ask again.
async function openCase(body) {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    try {
      return await api("POST", "/api/cases", body);
    } catch (error) {
      if (error.status !== 503) throw error;
      await new Promise((done) => setTimeout(done, 2000));
    }
  }
  throw new Error(T.chat_error);
}

if (document.getElementById("staff-page")) {
  document.getElementById("open-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("open-submit");
    button.disabled = true;
    say(T.staff_opening);
    try {
      const opened = await openCase(Object.fromEntries(new FormData(event.target)));
      location.assign(`/cases/${encodeURIComponent(opened.case.id)}`);
    } catch (error) {
      say(error.message, true);
      button.disabled = false;
    }
  });
  startStaffPage(async (me) => {
    try {
      await showQueue(me);
    } catch (error) {
      say(error.message, true);
    }
  });
}
