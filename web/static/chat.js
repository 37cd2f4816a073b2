// The citizen's conversation: ask, read the answer as cards, agree to
// share records on the platform, come back to the answer on them.
"use strict";

const conversation = document.getElementById("conversation");
const form = document.getElementById("ask");
const question = document.getElementById("question");
const restart = document.getElementById("restart");
const forget = document.getElementById("forget");
let conversationId = new URLSearchParams(location.search).get("conversation");
// The id comes from the address bar: encoded, it stays one path segment
// and cannot steer a request to another endpoint ("../me/trail").
const conversationPath = (suffix = "") =>
  `/api/conversations/${encodeURIComponent(conversationId)}${suffix}`;

const VERDICT = {
  eligible: ["badge eligible", T.verdict_eligible],
  unknown: ["badge unknown", T.verdict_unknown],
  ineligible: ["badge ineligible", T.verdict_ineligible],
};

// The ways to take the next step, as buttons: a phone number in the step
// becomes a call, a counter service the barcode ticket for the counter.
function nextStepActions(service) {
  const actions = [];
  const phone = (service.next_step.match(/0800-?\d{3}-?\d{3}|\b19\d{2}\b/) || [])[0];
  if (service.channels.includes("phone") && phone) {
    actions.push(el("a", { class: "button", href: `tel:${phone.replace(/-/g, "")}` }, `${T.call} ${phone}`));
  }
  if (service.channels.includes("counter")) {
    actions.push(el("a", { class: "button secondary", href: "/me#tickets" }, T.counter_ticket));
  }
  return actions.length ? el("p", { class: "actions" }, actions) : null;
}

// A service in detail: what it is, why it fits, the next step; the rest
// (amounts, what the agency confirms, the source) one tap away.
function serviceCard(service) {
  const [badgeClass, badgeText] = VERDICT[service.verdict] || VERDICT.unknown;
  const more = [
    service.benefit ? el("p", {}, el("strong", {}, `${T.benefit}：`), service.benefit) : null,
    service.to_confirm.length
      ? el("div", {}, el("strong", {}, T.to_confirm),
          el("ul", {}, service.to_confirm.map((c) => el("li", {}, c))))
      : null,
    el("p", { class: "source" }, `${T.source}：${service.source}`),
  ];
  return el("article", { class: "card service", "data-service": service.service },
    el("header", {},
      el("h3", {}, service.name),
      el("span", { class: badgeClass, "data-verdict": service.verdict }, badgeText)),
    service.summary ? el("p", { class: "summary" }, service.summary) : null,
    service.reasons.length ? el("p", { class: "reasons" }, service.reasons[0]) : null,
    (service.choose_one_of || []).length
      ? el("p", { class: "choice" }, `${T.choose_one}：${service.choose_one_of.join("、")}`)
      : null,
    (service.conflicts_with_received || []).length
      ? el("p", { class: "conflict" }, `${T.conflicts_received}：${service.conflicts_with_received.join("、")}`)
      : null,
    el("p", { class: "next" }, el("strong", {}, `${T.next_step}：`), service.next_step),
    nextStepActions(service),
    el("details", { class: "more" }, el("summary", {}, T.more), more));
}

// Beyond the first three: one line each.
function serviceLine(service) {
  const [badgeClass, badgeText] = VERDICT[service.verdict] || VERDICT.unknown;
  return el("li", { class: "service-line", "data-service": service.service },
    el("span", {}, service.name), " ",
    el("span", { class: badgeClass, "data-verdict": service.verdict }, badgeText));
}

function vacancyCard(vacancy) {
  return el("article", { class: "card vacancy" },
    el("h3", {}, el("a", { href: vacancy.url, rel: "noopener" }, vacancy.title)),
    el("p", {}, `${vacancy.company}｜${vacancy.city}｜${vacancy.pay}`),
    vacancy.fits.length ? el("p", {}, `${T.vacancy_fits}：${vacancy.fits.join("、")}`) : null,
    vacancy.gaps.length ? el("p", {}, `${T.vacancy_gaps}：${vacancy.gaps.map((g) => g.what).join("、")}`) : null);
}

function asks(reply) {
  if (!reply.data_request.length) return null;
  const button = el("button", { type: "button", id: "share" }, T.asks_button);
  button.addEventListener("click", () => share(reply.data_request.map((a) => a.dataset), button));
  return el("section", { class: "asks", "aria-labelledby": `asks-${reply.turn}` },
    el("h2", { id: `asks-${reply.turn}` }, T.asks_title),
    el("p", {}, T.asks_intro),
    el("ul", {}, reply.data_request.map((a) => el("li", { "data-dataset": a.dataset },
      el("strong", {}, a.name ? `${a.name}（${a.agency_name}）` : `${a.dataset}（${a.agency}）`), `：${a.why}`,
      a.status === "declined" ? el("em", {}, `（${T.ask_declined}）`) : null,
      a.status === "unavailable" ? el("em", {}, `（${T.ask_unavailable}）`) : null))),
    button);
}

function renderReply(questionText, reply) {
  const turn = el("section", { class: "turn", "data-turn": reply.turn });
  if (questionText && !reply.after_consent) turn.append(el("p", { class: "question" }, questionText));
  if (reply.crisis) {
    turn.append(el("div", { class: "crisis", role: "alert" },
      el("h2", {}, T.crisis_title),
      el("ul", {}, reply.hotlines.map((h) => el("li", {},
        el("a", { href: `tel:${h.number}` }, h.number), ` ${h.name}（${h.hours}）`)))));
  }
  // The few lines that answer the message; older replies kept no lead.
  const lead = reply.lead || (reply.clarify ? reply.text : "");
  if (lead) turn.append(el("p", { class: "answer" }, lead));
  if (reply.services.length) {
    turn.append(el("div", { class: "cards" }, reply.services.slice(0, 3).map(serviceCard)));
  }
  if (reply.services.length > 3) {
    turn.append(el("ul", { class: "more-services" }, reply.services.slice(3).map(serviceLine)));
  }
  if (reply.ask_region) turn.append(el("p", { class: "ask-region" }, T.ask_region));
  if (reply.not_eligible && reply.not_eligible.length) {
    turn.append(el("details", { class: "not-eligible" },
      el("summary", {}, T.not_eligible_title),
      el("div", { class: "cards" }, reply.not_eligible.map(serviceCard))));
  }
  if (reply.vacancies.length) {
    turn.append(el("h2", {}, T.vacancies_title), el("div", { class: "cards" }, reply.vacancies.map(vacancyCard)));
  }
  turn.append(asks(reply) || "");
  if (reply.data_used && reply.data_used.length) {
    turn.append(el("section", { class: "used" }, el("h2", {}, T.used_title),
      el("ul", {}, reply.data_used.map((u) => el("li", {},
        `${u.name || u.dataset}（${u.agency_name || u.agency}）${u.fetched_at}；${T.used_deleted_by} ${u.deleted_by}`)))));
  }
  conversation.append(turn);
  turn.scrollIntoView({ block: "start" });
}

async function share(datasets, button) {
  button.disabled = true;
  try {
    const asked = await api("POST", conversationPath("/consent"), { datasets });
    location.assign(asked.authorize_url);
  } catch (error) {
    say(T.chat_error + error.message, true);
    button.disabled = false;
  }
}

function started(id) {
  conversationId = id;
  history.replaceState(null, "", `/?conversation=${encodeURIComponent(id)}`);
  restart.hidden = false;
  forget.hidden = false;
}

async function send(text) {
  say(T.chat_waiting);
  for (let attempt = 0; attempt < 40; attempt += 1) {
    try {
      if (conversationId) {
        return await api("POST", conversationPath("/messages"), { text });
      }
      const created = await api("POST", "/api/conversations", { text });
      started(created.id);
      return created.reply;
    } catch (error) {
      // Still warming up: wait as the server says, then ask again.
      if (error.status !== 503) throw error;
      await new Promise((done) => setTimeout(done, 2000));
    }
  }
  throw new Error("503");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = question.value.trim();
  if (!text) return;
  form.querySelector("#send").disabled = true;
  try {
    const reply = await send(text);
    renderReply(text, reply);
    question.value = "";
    say("");
  } catch (error) {
    say(T.chat_error + error.message, true);
  } finally {
    form.querySelector("#send").disabled = false;
  }
});

restart.addEventListener("click", () => location.assign("/"));
forget.addEventListener("click", async () => {
  try {
    await api("DELETE", conversationPath());
    location.assign("/");
  } catch (error) {
    say(T.chat_error + error.message, true);
  }
});

async function resume() {
  if (!conversationId) return;
  try {
    const shown = await api("GET", conversationPath());
    started(conversationId);
    for (const turn of shown.turns) renderReply(turn.question, turn.reply);
  } catch (error) {
    say(T.chat_error + error.message, true);
  }
}

resume();
