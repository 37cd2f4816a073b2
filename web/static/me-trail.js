// The trail on /me: every audit entry about the citizen, as a table. The
// API returns the whole trail, newest first, so filtering happens here and
// never asks the server again.
"use strict";

const TRAIL_DATASETS = new Map(
  JSON.parse(document.getElementById("me-datasets").textContent).map((d) => [d.id, d]),
);
const trailFilters = document.getElementById("trail-filters");
let trailEntries = [];
// Chinese text takes a full-width colon.
const COLON = document.documentElement.lang === "en" ? ": " : "：";

// Times come as RFC 3339 in UTC; people read them in their own zone.
function localTime(at) {
  const time = new Date(at);
  return Number.isNaN(time.getTime()) ? at : time.toLocaleString(document.documentElement.lang);
}

function timeEl(at) {
  return el("time", { datetime: at }, localTime(at));
}

// The local calendar day, as `<input type="date">` gives it (YYYY-MM-DD).
function localDay(at) {
  const time = new Date(at);
  const two = (n) => String(n).padStart(2, "0");
  return `${time.getFullYear()}-${two(time.getMonth() + 1)}-${two(time.getDate())}`;
}

function agencyName(dataset) {
  return document.documentElement.lang === "en" ? dataset.agency_en : dataset.agency_zh;
}

function option(value, text, selected) {
  return el("option", { value, selected: value === selected }, text);
}

// Offers only what occurs in the trail, each dataset under its agency,
// keeping what the citizen had chosen.
function fillTrailFilters() {
  const datasetSelect = document.getElementById("filter_dataset");
  const actorSelect = document.getElementById("filter_actor");
  const chosenDataset = datasetSelect.value;
  const chosenActor = actorSelect.value;
  const byAgency = new Map();
  const unknown = new Set();
  for (const id of new Set(trailEntries.map((e) => e.dataset).filter(Boolean))) {
    const known = TRAIL_DATASETS.get(id);
    if (!known) {
      unknown.add(id);
      continue;
    }
    if (!byAgency.has(known.agency)) byAgency.set(known.agency, { name: agencyName(known), ids: [] });
    byAgency.get(known.agency).ids.push(id);
  }
  const groups = [...byAgency].sort(([a], [b]) => a.localeCompare(b)).map(([agency, group]) =>
    el("optgroup", { label: group.name },
      option(`agency:${agency}`, `${group.name}${COLON}${T.me_all_of_agency}`, chosenDataset),
      group.ids.sort().map((id) => option(`dataset:${id}`, id, chosenDataset))));
  datasetSelect.replaceChildren(option("", T.me_all, chosenDataset), ...groups,
    ...[...unknown].sort().map((id) => option(`dataset:${id}`, id, chosenDataset)));
  const actors = [...new Set(trailEntries.map((e) => e.actor))].sort();
  actorSelect.replaceChildren(option("", T.me_all, chosenActor),
    ...actors.map((actor) => option(actor, actor, chosenActor)));
}

function trailMatches(entry) {
  const from = document.getElementById("filter_from").value;
  const to = document.getElementById("filter_to").value;
  const dataset = document.getElementById("filter_dataset").value;
  const actor = document.getElementById("filter_actor").value;
  const day = localDay(entry.at);
  if ((from && day < from) || (to && day > to)) return false;
  if (actor && entry.actor !== actor) return false;
  if (dataset.startsWith("agency:")) {
    return TRAIL_DATASETS.get(entry.dataset)?.agency === dataset.slice("agency:".length);
  }
  if (dataset.startsWith("dataset:")) return entry.dataset === dataset.slice("dataset:".length);
  return true;
}

function renderTrail() {
  const shown = trailEntries.filter(trailMatches);
  const rows = shown.map((entry) =>
    el("tr", { "data-actor": entry.actor, "data-dataset": entry.dataset || "" },
      el("td", {}, timeEl(entry.at)),
      el("td", {}, el("code", {}, entry.event)),
      el("td", {}, entry.actor),
      el("td", {}, entry.dataset || "—"),
      el("td", { "data-outcome": entry.outcome }, T[`me_outcome_${entry.outcome}`] || entry.outcome),
      el("td", {}, entry.detail)));
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 6 }, T.me_trail_none)));
  document.querySelector("#trail-table tbody").replaceChildren(...rows);
  document.getElementById("trail-count").textContent = T.me_trail_count
    .replace("{shown}", shown.length)
    .replace("{total}", trailEntries.length);
}

async function loadTrail() {
  trailEntries = await api("GET", "/api/me/trail");
  fillTrailFilters();
  renderTrail();
}

trailFilters.addEventListener("input", renderTrail);
trailFilters.addEventListener("change", renderTrail);
trailFilters.addEventListener("submit", (event) => event.preventDefault());
// A reset event comes before the fields are cleared.
trailFilters.addEventListener("reset", () => setTimeout(renderTrail));
