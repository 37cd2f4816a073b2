// The login page: the knowledge factors (low), then a step-up with an
// authenticator app or a passkey (substantial) or the citizen digital
// certificate (high, also alone). An authenticator is set up only from a
// session at substantial or above (the server refuses it below), so at low
// a citizen without one is sent to the card first. `data-next` (checked
// by the server to be a path on this site) is where a successful login
// returns to.
"use strict";

const page = document.getElementById("login-page");
const next = page.dataset.next || "";
const LEVELS = ["low", "substantial", "high"];
const $ = (id) => document.getElementById(id);

function localTime(at) {
  const time = new Date(at);
  return Number.isNaN(time.getTime()) ? at : time.toLocaleString(document.documentElement.lang);
}

// --- base64url <-> ArrayBuffer, for the WebAuthn options and answers ---

function fromBase64url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
}

function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withBinaryIds(list) {
  return (list || []).map((c) => ({ ...c, id: fromBase64url(c.id) }));
}

// webauthn-rs's CreationChallengeResponse → CredentialCreationOptions.
function creationOptions(options) {
  const publicKey = { ...options.publicKey };
  publicKey.challenge = fromBase64url(publicKey.challenge);
  publicKey.user = { ...publicKey.user, id: fromBase64url(publicKey.user.id) };
  if (publicKey.excludeCredentials) publicKey.excludeCredentials = withBinaryIds(publicKey.excludeCredentials);
  return { publicKey };
}

// webauthn-rs's RequestChallengeResponse → CredentialRequestOptions.
function requestOptions(options) {
  const publicKey = { ...options.publicKey };
  publicKey.challenge = fromBase64url(publicKey.challenge);
  if (publicKey.allowCredentials) publicKey.allowCredentials = withBinaryIds(publicKey.allowCredentials);
  return { publicKey };
}

function registration(credential) {
  const response = credential.response;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    response: {
      attestationObject: toBase64url(response.attestationObject),
      clientDataJSON: toBase64url(response.clientDataJSON),
      transports: response.getTransports ? response.getTransports() : undefined,
    },
  };
}

function assertion(credential) {
  const response = credential.response;
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    response: {
      authenticatorData: toBase64url(response.authenticatorData),
      clientDataJSON: toBase64url(response.clientDataJSON),
      signature: toBase64url(response.signature),
      userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
    },
  };
}

// --- the page ---

function showSession(session) {
  const loggedIn = Boolean(session);
  const level = loggedIn ? session.level : "";
  $("session").hidden = !loggedIn;
  $("login").hidden = loggedIn;
  const strong = LEVELS.indexOf(level) >= LEVELS.indexOf("substantial");
  $("step-up").hidden = !loggedIn || strong;
  $("enrol").hidden = !loggedIn || !strong;
  $("card-factor").hidden = level === "high";
  $("card-first").hidden = true;
  if (!loggedIn) $("totp-panel").hidden = true;
  if (!loggedIn) return;
  $("session-subject").textContent = session.subject;
  const shown = $("level");
  shown.textContent = T[`me_level_${level}`] || level;
  shown.dataset.level = level;
  const until = $("session-until");
  until.dateTime = session.expires_at;
  until.textContent = localTime(session.expires_at);
  const onward = $("continue");
  onward.hidden = !next;
  if (next) onward.href = next;
}

async function load() {
  try {
    const session = await api("GET", "/api/me");
    showSession(session);
    return session;
  } catch (error) {
    if (error.status === 401) showSession(null);
    else say(error.message, true);
    return null;
  }
}

// After a factor is proven: back to `next` when there is one.
async function proven() {
  const session = await load();
  if (session && next) {
    say(T.login_page_returning);
    location.assign(next);
  } else {
    say("");
  }
}

function failed(error) {
  say(error.message, true);
}

$("knowledge").addEventListener("submit", async (event) => {
  event.preventDefault();
  const factors = Object.fromEntries(new FormData(event.target));
  try {
    await api("POST", "/api/identity/knowledge", factors);
    if (!$("card_national_id").value) $("card_national_id").value = factors.national_id;
    await proven();
  } catch (error) {
    failed(error);
  }
});

// Shows the authenticator-app panel: with a new key, or for a code alone.
function showTotpPanel(enrolment) {
  const qr = $("totp-qr");
  qr.replaceChildren();
  $("totp-key").hidden = !enrolment;
  $("totp-intro").textContent = enrolment ? T.totp_intro : (T.me_totp_known || "");
  if (enrolment) {
    $("totp-secret").textContent = enrolment.secret;
    if (enrolment.qr_svg) {
      qr.append(el("img", { alt: T.totp_secret,
        src: `data:image/svg+xml;utf8,${encodeURIComponent(enrolment.qr_svg)}` }));
    }
  }
  $("totp-panel").hidden = false;
  $("totp_code").focus();
}

// At low: the code of an app set up before, or the way to the card.
$("totp-start").addEventListener("click", async () => {
  try {
    const step = await authenticatorStep();
    if (step.mode === "card") {
      $("totp-panel").hidden = true;
      $("card-first").hidden = false;
      say("");
      return;
    }
    showTotpPanel(step.enrolment);
  } catch (error) {
    failed(error);
  }
});

// At substantial or above: a new authenticator app.
$("totp-enrol").addEventListener("click", async () => {
  try {
    const step = await authenticatorStep();
    if (step.mode !== "enrol") {
      say(T.login_page_totp_bound);
      return;
    }
    showTotpPanel(step.enrolment);
  } catch (error) {
    failed(error);
  }
});

$("totp").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const setUp = !$("totp-key").hidden;
    await api("POST", "/api/identity/totp/verify", { code: $("totp_code").value.trim() });
    $("totp-panel").hidden = true;
    $("totp_code").value = "";
    await proven();
    if (setUp && !next) say(T.login_page_totp_ready);
  } catch (error) {
    failed(error);
  }
});

function passkeysSupported() {
  if (window.PublicKeyCredential && navigator.credentials) return true;
  say(T.login_page_passkey_unsupported, true);
  return false;
}

$("passkey-register").addEventListener("click", async () => {
  if (!passkeysSupported()) return;
  try {
    const started = await api("POST", "/api/identity/passkey/register/start", {});
    let credential;
    try {
      credential = await navigator.credentials.create(creationOptions(started.options));
    } catch (error) {
      say(`${T.login_page_passkey_cancelled}${error.message}`, true);
      return;
    }
    await api("POST", "/api/identity/passkey/register/finish", {
      ceremony_id: started.ceremony_id,
      credential: registration(credential),
    });
    say(T.login_page_passkey_registered);
  } catch (error) {
    failed(error);
  }
});

$("passkey-login").addEventListener("click", async () => {
  if (!passkeysSupported()) return;
  try {
    let started;
    try {
      started = await api("POST", "/api/identity/passkey/login/start", {});
    } catch (error) {
      if (error.status === 409) {
        $("card-first").hidden = false;
        return say(T.login_page_passkey_none, true);
      }
      throw error;
    }
    let credential;
    try {
      credential = await navigator.credentials.get(requestOptions(started.options));
    } catch (error) {
      say(`${T.login_page_passkey_cancelled}${error.message}`, true);
      return;
    }
    await api("POST", "/api/identity/passkey/login/finish", {
      ceremony_id: started.ceremony_id,
      credential: assertion(credential),
    });
    await proven();
  } catch (error) {
    failed(error);
  }
});

// The citizen-card challenge, shown with the command the card software
// (`navigator citizen-card sign`) runs over it.
let cardChallenge = null;

$("card-start").addEventListener("click", async () => {
  try {
    cardChallenge = await api("POST", "/api/identity/card/challenge", {});
    $("card-challenge").textContent = cardChallenge.challenge;
    const expires = $("card-expires");
    expires.dateTime = cardChallenge.expires_at;
    expires.textContent = localTime(cardChallenge.expires_at);
    $("card-command").textContent =
      "navigator citizen-card sign --cert <card.cert.pem> --key <card.key.pem> " +
      `--challenge "${cardChallenge.challenge}"`;
    $("card_response").value = "";
    $("card-panel").hidden = false;
    say("");
  } catch (error) {
    failed(error);
  }
});

$("card").addEventListener("submit", async (event) => {
  event.preventDefault();
  let signed;
  try {
    signed = JSON.parse($("card_response").value);
  } catch {
    signed = null;
  }
  if (!signed || typeof signed.certificate !== "string" || typeof signed.signature !== "string") {
    say(T.login_page_card_bad_json, true);
    return;
  }
  try {
    await api("POST", "/api/identity/card/login", {
      national_id: $("card_national_id").value.trim(),
      challenge_id: cardChallenge && cardChallenge.challenge_id,
      certificate: signed.certificate,
      signature: signed.signature,
    });
    $("card-panel").hidden = true;
    cardChallenge = null;
    await proven();
  } catch (error) {
    failed(error);
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await api("POST", "/api/identity/logout");
    showSession(null);
    say(T.login_page_logged_out);
  } catch (error) {
    failed(error);
  }
});

load();
