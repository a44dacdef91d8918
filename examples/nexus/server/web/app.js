// NEXUS dashboard: lists the modules and keeps the list live over the
// authenticated WebSocket. No build step; plain browser JavaScript.
"use strict";

const TOKEN_KEY = "nexus.token";
const PROTOCOL = "nexus.v1";
// wsauth reads the token from a Sec-WebSocket-Protocol entry: this prefix
// and the token in unpadded base64url (wsauth.SubprotocolEntry). The server
// answers with PROTOCOL, never echoing the token.
const TOKEN_PREFIX = "base64url.bearer.authorization.nexuskit.";

function base64url(s) {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const $ = (sel) => document.querySelector(sel);
const modules = new Map(); // id -> module, in arrival order
let socket = null;
let retryTimer = null;

// The token comes from the URL fragment (never sent to the server, so it
// stays out of access logs) or from the input field, and is kept in
// sessionStorage for this tab only.
function takeTokenFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get("token");
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, "", location.pathname + location.search);
  }
}

function setStatus(kind, text) {
  const el = $("#ws-status");
  el.className = "status " + kind;
  el.dataset.state = kind;
  el.textContent = text;
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

function renderModules(flashID) {
  const body = $("#modules tbody");
  body.replaceChildren();
  for (const m of modules.values()) {
    const tr = document.createElement("tr");
    tr.dataset.id = m.id;
    tr.append(cell(m.name), cell(m.type), cell(m.status));
    const td = document.createElement("td");
    const meter = document.createElement("meter");
    meter.min = 0; meter.max = 100; meter.value = m.integrationLevel;
    td.append(meter, " " + m.integrationLevel + "%");
    td.className = "level";
    tr.append(td, cell(new Date(m.updatedAt).toLocaleString()));
    if (m.id === flashID) tr.classList.add("flash");
    body.append(tr);
  }
  $("#modules-empty").hidden = modules.size > 0;
  $("#module-count").textContent = "(" + modules.size + ")";
}

function renderSafety(s) {
  const dl = $("#safety");
  dl.replaceChildren();
  for (const [k, v] of Object.entries(s)) {
    if (k === "updatedAt") continue;
    const dt = document.createElement("dt");
    dt.textContent = k.replace(/([A-Z])/g, " $1").toLowerCase();
    const dd = document.createElement("dd");
    dd.dataset.field = k;
    dd.textContent = v + "%";
    dl.append(dt, dd);
  }
}

async function getJSON(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await res.json();
  if (!body.success) throw new Error(body.error ? body.error.message : res.statusText);
  return body;
}

async function loadAll() {
  modules.clear();
  for (let page = 1; ; page++) {
    const body = await getJSON("/api/modules?limit=100&page=" + page);
    for (const m of body.data) modules.set(m.id, m);
    if (!body.meta || page * body.meta.limit >= body.meta.total) break;
  }
  renderModules();
  renderSafety((await getJSON("/api/safety-status")).data);
  const sys = (await getJSON("/api/system")).data;
  $("#system").textContent = "v" + sys.version + " · " + sys.environment + " · " + sys.storage;
}

function onEvent(ev) {
  $("#last-event").textContent = "last event: " + ev.type + " at " + new Date(ev.timestamp).toLocaleTimeString();
  $("#last-event").dataset.type = ev.type;
  switch (ev.type) {
    case "hello":
      setStatus("live", "Live: connected as " + ev.data.subject +
        (ev.data.expiresAt ? ", token expires " + new Date(ev.data.expiresAt).toLocaleString() : ""));
      break;
    case "module.created":
    case "module.updated":
      modules.set(ev.data.id, ev.data);
      renderModules(ev.data.id);
      break;
    case "module.deleted":
      modules.delete(ev.data.id);
      renderModules();
      break;
    case "safety.updated":
      renderSafety(ev.data);
      break;
  }
}

function connect() {
  clearTimeout(retryTimer);
  if (socket) { socket.onclose = null; socket.close(1000); socket = null; }
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    setStatus("missing", "No token: live updates are off. Paste a token above or open this page as /#token=…");
    return;
  }
  setStatus("connecting", "Connecting…");
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  let opened = false;
  const ws = new WebSocket(url, [PROTOCOL, TOKEN_PREFIX + base64url(token)]);
  socket = ws;
  ws.onopen = () => { opened = true; };
  ws.onmessage = (msg) => onEvent(JSON.parse(msg.data));
  ws.onclose = (e) => {
    if (socket !== ws) return;
    socket = null;
    if (!opened) {
      // The upgrade was answered with 401/403: browsers hide the status.
      setStatus("refused", "Token refused by the server (invalid, expired or signed with another secret). Paste a new one.");
    } else if (e.code === 1008) {
      setStatus("expired", "Token expired: live updates stopped. Paste a new token to continue.");
    } else if (e.code === 1001) {
      setStatus("closed", "Server is restarting; reconnecting…");
      retryTimer = setTimeout(() => loadAll().then(connect, connect), 2000);
    } else {
      setStatus("closed", "Disconnected (" + e.code + "); reconnecting…");
      retryTimer = setTimeout(connect, 3000);
    }
  };
}

$("#token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = $("#token").value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  $("#token").value = "";
  connect();
});
$("#forget").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  connect();
});

takeTokenFromFragment();
loadAll().catch((err) => { $("#last-event").textContent = "could not load: " + err.message; });
connect();
