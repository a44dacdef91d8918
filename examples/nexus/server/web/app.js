// NEXUS dashboard: one page of modules and the safety status, kept live
// over the authenticated WebSocket; with a token, an operator can create,
// edit and delete modules and edit the safety status. No build step; plain
// browser JavaScript.
"use strict";

const TOKEN_KEY = "nexus.token";
const PROTOCOL = "nexus.v1";
// wsauth reads the token from a Sec-WebSocket-Protocol entry: this prefix
// and the token in unpadded base64url (wsauth.SubprotocolEntry). The server
// answers with PROTOCOL, never echoing the token.
const TOKEN_PREFIX = "base64url.bearer.authorization.nexuskit.";
// One request per page load: the dashboard never downloads every module.
const PAGE_SIZE = 20;
// Reconnection: exponential backoff with full jitter, from 0.5 s to 30 s.
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30000;
const SAFETY_FIELDS = ["ethicalCompliance", "valueAlignment", "harmPrevention",
  "transparency", "humanOversight", "containmentIntegrity"];

function base64url(s) {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const $ = (sel) => document.querySelector(sel);

// State. Every module and the safety status carry a version the database
// increments; a copy older than the one held is dropped, whatever order
// events and page loads arrive in.
const state = {
  page: 1,
  total: 0,
  rows: new Map(),     // id -> module on the current page, in list order
  gone: new Map(),     // id -> version of its deletion
  safety: null,
  counted: new Set(),  // ids whose creation is in total already
  lastEventId: "",     // for /ws?since=
  loadSeq: 0,          // drops the answers of superseded loads
  loaded: false,
};
let socket = null;
let retryTimer = null;
let attempt = 0;

function token() { return sessionStorage.getItem(TOKEN_KEY); }

// The token comes from the URL fragment (never sent to the server, so it
// stays out of access logs) or from the input field, and is kept in
// sessionStorage for this tab only.
function takeTokenFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const t = params.get("token");
  if (t) {
    sessionStorage.setItem(TOKEN_KEY, t);
    history.replaceState(null, "", location.pathname + location.search);
  }
}

function setStatus(kind, text) {
  const el = $("#ws-status");
  el.className = "status " + kind;
  el.dataset.state = kind;
  el.textContent = text;
}

function setEditable() {
  document.body.classList.toggle("can-edit", !!token());
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function button(text, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.className = cls;
  b.addEventListener("click", onClick);
  return b;
}

function pages() { return Math.max(1, Math.ceil(state.total / PAGE_SIZE)); }

function renderModules(flashID) {
  const body = $("#modules tbody");
  body.replaceChildren();
  for (const m of state.rows.values()) {
    const tr = document.createElement("tr");
    tr.dataset.id = m.id;
    tr.dataset.version = m.version;
    tr.append(cell(m.name), cell(m.type), cell(m.status));
    const td = document.createElement("td");
    const meter = document.createElement("meter");
    meter.min = 0; meter.max = 100; meter.value = m.integrationLevel;
    td.append(meter, " " + m.integrationLevel + "%");
    td.className = "level";
    tr.append(td, cell(new Date(m.updatedAt).toLocaleString()));
    const actions = document.createElement("td");
    actions.className = "edit-only actions";
    actions.append(
      button("Edit", "edit", () => editModule(m.id)),
      button("Delete", "delete", (e) => deleteModule(m.id, e.target)));
    tr.append(actions);
    if (m.id === flashID) tr.classList.add("flash");
    body.append(tr);
  }
  $("#modules-empty").hidden = state.rows.size > 0;
  $("#module-count").textContent = "(" + state.total + ")";
  $("#page-info").textContent = "page " + state.page + " of " + pages();
  $("#page-info").dataset.page = state.page;
  $("#page-info").dataset.pages = pages();
  $("#prev-page").disabled = state.page <= 1;
  $("#next-page").disabled = state.page >= pages();
}

function pct(v) { return (Math.round(v * 100) / 100) + "%"; }

function renderSafety() {
  const s = state.safety;
  if (!s) return;
  const dl = $("#safety");
  dl.replaceChildren();
  dl.dataset.version = s.version;
  for (const k of SAFETY_FIELDS) {
    const dt = document.createElement("dt");
    dt.textContent = k.replace(/([A-Z])/g, " $1").toLowerCase();
    const dd = document.createElement("dd");
    dd.dataset.field = k;
    dd.textContent = pct(s[k]);
    dl.append(dt, dd);
  }
  // The form shows the current values unless the operator is typing.
  if (!$("#safety-form").contains(document.activeElement)) {
    for (const k of SAFETY_FIELDS) $("#s-" + k).value = s[k];
  }
}

function buildSafetyForm() {
  const box = $("#safety-fields");
  for (const k of SAFETY_FIELDS) {
    const div = document.createElement("div");
    div.className = "field";
    const label = document.createElement("label");
    label.htmlFor = "s-" + k;
    label.textContent = k.replace(/([A-Z])/g, " $1").toLowerCase();
    const input = document.createElement("input");
    input.id = "s-" + k; input.name = k; input.type = "number"; input.step = "any";
    const err = document.createElement("span");
    err.className = "error"; err.dataset.field = k;
    div.append(label, input, err);
    box.append(div);
  }
}

// --- Applying data: versions decide ---------------------------------------

function applyModule(m, flash) {
  const gone = state.gone.get(m.id);
  if (gone !== undefined && gone >= m.version) return; // deleted since
  const held = state.rows.get(m.id);
  if (held) {
    if (held.version >= m.version) return; // older or the same: drop
    state.rows.set(m.id, m);
    renderModules(flash ? m.id : undefined);
  }
}

function moduleCreated(m) {
  if (state.counted.has(m.id) || state.gone.has(m.id)) { applyModule(m, true); return; }
  state.counted.add(m.id);
  state.total++;
  // The list is oldest first: a new module belongs on the last page.
  if (state.page === pages() && state.rows.size < PAGE_SIZE) state.rows.set(m.id, m);
  renderModules(m.id);
}

function moduleDeleted(d) {
  const gone = state.gone.get(d.id);
  if (gone !== undefined && gone >= d.version) return;
  state.gone.set(d.id, d.version);
  const held = state.rows.get(d.id);
  if (held && held.version >= d.version) return;
  if (state.rows.delete(d.id) || !held) state.total = Math.max(0, state.total - 1);
  renderModules();
}

function applySafety(s) {
  if (state.safety && state.safety.version >= s.version) return;
  state.safety = s;
  renderSafety();
}

// --- HTTP -------------------------------------------------------------------

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && token()) headers.Authorization = "Bearer " + token();
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let env;
  try { env = await res.json(); } catch { env = null; }
  if (!env || !env.success) {
    const err = new Error(env && env.error ? env.error.message : res.status + " " + res.statusText);
    err.status = res.status;
    err.details = env && env.error ? env.error.details : null;
    err.retryAfter = Number(res.headers.get("Retry-After")) || 0;
    throw err;
  }
  return env;
}

// load fetches the current page, the safety status and the system line:
// three requests, whatever the number of modules.
async function load() {
  const seq = ++state.loadSeq;
  const [list, safety, sys] = await Promise.all([
    api("GET", "/api/modules?limit=" + PAGE_SIZE + "&page=" + state.page),
    api("GET", "/api/safety-status"),
    api("GET", "/api/system"),
  ]);
  if (seq !== state.loadSeq) return; // a newer load is under way
  state.total = list.meta.total;
  if (state.page > pages()) { state.page = pages(); return load(); }
  // Keep whichever copy is newer: an event may have arrived first.
  const rows = new Map();
  for (const m of list.data) {
    const gone = state.gone.get(m.id);
    if (gone !== undefined && gone > m.version) continue; // deleted while loading
    const held = state.rows.get(m.id);
    rows.set(m.id, held && held.version > m.version ? held : m);
  }
  state.rows = rows;
  state.counted.clear();
  state.loaded = true;
  renderModules();
  state.safety = null;
  applySafety(safety.data);
  $("#system").textContent = "v" + sys.data.version + " · " + sys.data.environment + " · " + sys.data.storage;
}

function reload() {
  load().catch((err) => { $("#last-event").textContent = "could not load: " + err.message; });
}

// --- WebSocket ----------------------------------------------------------------

function onEvent(ev) {
  if (ev.id) state.lastEventId = ev.id;
  $("#last-event").textContent = "last event: " + ev.type + " at " + new Date(ev.timestamp).toLocaleTimeString();
  $("#last-event").dataset.type = ev.type;
  switch (ev.type) {
    case "hello":
      attempt = 0;
      setStatus("live", "Live: connected as " + ev.data.subject +
        (ev.data.expiresAt ? ", token expires " + new Date(ev.data.expiresAt).toLocaleString() : ""));
      if (!state.lastEventId) {
        // First connection: load now that no event can be missed.
        state.lastEventId = ev.data.lastEventId;
        reload();
      }
      break;
    case "reset":
      // The server cannot replay what was missed (it restarted, or this
      // tab was away too long): reload; live events keep coming.
      state.lastEventId = ev.data.lastEventId;
      reload();
      break;
    case "module.created":
      moduleCreated(ev.data);
      break;
    case "module.updated":
      applyModule(ev.data, true);
      break;
    case "module.deleted":
      moduleDeleted(ev.data);
      break;
    case "safety.updated":
      applySafety(ev.data);
      break;
  }
}

function scheduleReconnect(why) {
  clearTimeout(retryTimer);
  const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  const delay = Math.max(100, Math.random() * cap);
  attempt++;
  setStatus("closed", why + "; reconnecting in " + (delay / 1000).toFixed(1) + " s…");
  retryTimer = setTimeout(connect, delay);
}

// upgradeFailed learns why the server refused the upgrade (browsers hide
// the status) from GET /api/token, which checks the same token.
async function upgradeFailed() {
  try {
    await fetch("/api/token", { headers: { Accept: "application/json", Authorization: "Bearer " + token() } })
      .then(async (res) => {
        if (res.ok) return;
        const err = new Error(res.statusText);
        err.status = res.status;
        err.retryAfter = Number(res.headers.get("Retry-After")) || 0;
        throw err;
      });
    scheduleReconnect("Could not connect");
  } catch (err) {
    if (err.status === 401) {
      setStatus("refused", "Token refused by the server (invalid, expired or signed with another secret). Paste a new one.");
    } else if (err.status === 429) {
      clearTimeout(retryTimer);
      const delay = (err.retryAfter || 5) * 1000 * (1 + Math.random() * 0.2);
      setStatus("closed", "Rate limited; reconnecting in " + Math.round(delay / 1000) + " s…");
      retryTimer = setTimeout(connect, delay);
    } else {
      scheduleReconnect("Server unreachable");
    }
  }
}

function connect() {
  clearTimeout(retryTimer);
  if (socket) { socket.onclose = null; socket.close(1000); socket = null; }
  setEditable();
  if (!token()) {
    setStatus("missing", "No token: live updates and editing are off. Paste a token above or open this page as /#token=…");
    return;
  }
  setStatus("connecting", "Connecting…");
  let url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  if (state.lastEventId) url += "?since=" + encodeURIComponent(state.lastEventId);
  let opened = false;
  const ws = new WebSocket(url, [PROTOCOL, TOKEN_PREFIX + base64url(token())]);
  socket = ws;
  ws.onopen = () => { opened = true; };
  ws.onmessage = (msg) => onEvent(JSON.parse(msg.data));
  ws.onclose = (e) => {
    if (socket !== ws) return;
    socket = null;
    if (!opened) {
      if (!state.loaded) reload(); // reads are public: show the data anyway
      upgradeFailed();
    } else if (e.code === 1008) {
      setStatus("expired", "Token expired: live updates stopped. Paste a new token to continue.");
    } else if (e.code === 1001) {
      scheduleReconnect("Server is restarting");
    } else {
      scheduleReconnect("Disconnected (" + e.code + ")");
    }
  };
}

// --- Editing --------------------------------------------------------------------

function showErrors(form, err) {
  for (const el of form.querySelectorAll(".error")) el.textContent = "";
  const general = form.querySelector(".form-error");
  general.textContent = "";
  if (!err) return;
  let shown = false;
  if (Array.isArray(err.details)) {
    for (const d of err.details) {
      const el = form.querySelector('.error[data-field="' + CSS.escape(d.field) + '"]');
      if (el) { el.textContent = d.message; shown = true; }
    }
  }
  if (!shown) general.textContent = err.message;
}

function moduleBody(form, onlyChanged) {
  const f = new FormData(form);
  const body = {
    name: f.get("name"), type: f.get("type"), status: f.get("status"),
    integrationLevel: Number(f.get("integrationLevel")), description: f.get("description"),
  };
  if (onlyChanged) {
    for (const k of Object.keys(body)) if (body[k] === onlyChanged[k]) delete body[k];
  }
  return body;
}

function resetModuleForm() {
  const form = $("#module-form");
  form.reset();
  form.elements.id.value = "";
  $("#module-form-title").textContent = "New module";
  $("#module-submit").textContent = "Create";
  $("#module-cancel").hidden = true;
  showErrors(form, null);
}

function editModule(id) {
  const m = state.rows.get(id);
  if (!m) return;
  const form = $("#module-form");
  showErrors(form, null);
  form.elements.id.value = id;
  for (const k of ["name", "type", "status", "integrationLevel", "description"]) form.elements[k].value = m[k];
  $("#module-form-title").textContent = "Edit " + m.name;
  $("#module-submit").textContent = "Save";
  $("#module-cancel").hidden = false;
  form.elements.name.focus();
}

async function deleteModule(id, btn) {
  // Two clicks: the first arms the button.
  if (btn.dataset.armed !== "1") {
    btn.dataset.armed = "1";
    btn.textContent = "Confirm delete";
    return;
  }
  try {
    const res = await api("DELETE", "/api/modules/" + id);
    moduleDeleted(res.data);
  } catch (err) {
    $("#module-form-error").textContent = err.message;
  }
}

$("#module-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const id = form.elements.id.value;
  try {
    if (id) {
      const res = await api("PATCH", "/api/modules/" + id, moduleBody(form, state.rows.get(id)));
      applyModule(res.data, true);
    } else {
      const res = await api("POST", "/api/modules", moduleBody(form));
      moduleCreated(res.data);
    }
    resetModuleForm();
  } catch (err) {
    showErrors(form, err);
  }
});
$("#module-cancel").addEventListener("click", resetModuleForm);

$("#safety-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  const body = {};
  for (const k of SAFETY_FIELDS) {
    const raw = form.elements[k].value;
    // An empty or non-numeric field is sent as typed: the server names it.
    const v = raw.trim() === "" || isNaN(Number(raw)) ? raw : Number(raw);
    if (!state.safety || v !== state.safety[k]) body[k] = v;
  }
  try {
    const res = await api("PATCH", "/api/safety-status", body);
    showErrors(form, null);
    document.activeElement.blur();
    applySafety(res.data);
    renderSafety();
  } catch (err) {
    showErrors(form, err);
  }
});

$("#prev-page").addEventListener("click", () => { if (state.page > 1) { state.page--; reload(); } });
$("#next-page").addEventListener("click", () => { if (state.page < pages()) { state.page++; reload(); } });

$("#token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const t = $("#token").value.trim();
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  $("#token").value = "";
  attempt = 0;
  connect();
});
$("#forget").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  connect();
});

buildSafetyForm();
takeTokenFromFragment();
// With a token, connect first and load on hello, so that no change made
// while the page loads is lost; without one, just load.
connect();
if (!token()) reload();
