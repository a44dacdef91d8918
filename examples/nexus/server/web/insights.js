// NEXUS dashboard: AI insights. Click a module row, optionally type a
// question, and the answer streams in as the model writes it. The request
// is a POST with the bearer token, so it uses fetch and reads the
// Server-Sent Events from the response body (EventSource can only GET and
// cannot send headers). Independent of app.js: it finds modules through
// the table rows' data-id and reads the token from sessionStorage.
"use strict";

(() => {
  const TOKEN_KEY = "nexus.token";
  const q = (sel) => document.querySelector(sel);
  let target = null; // { id, name }
  let controller = null;

  function setState(state, text) {
    const el = q("#insight-status");
    el.hidden = false;
    el.dataset.state = state;
    el.className = "status " + state;
    el.textContent = text;
  }

  function select(row) {
    target = { id: row.dataset.id, name: row.cells[0] ? row.cells[0].textContent : row.dataset.id };
    q("#insight-module").textContent = target.name;
    q("#insight-ask").disabled = false;
    for (const tr of document.querySelectorAll("#modules tbody tr.selected")) tr.classList.remove("selected");
    row.classList.add("selected");
  }

  // Rows are re-rendered by app.js: delegate from the table body and keep
  // the highlight on the selected id.
  q("#modules tbody").addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-id]");
    if (row) select(row);
  });
  new MutationObserver(() => {
    if (!target) return;
    const row = q(`#modules tbody tr[data-id="${CSS.escape(target.id)}"]`);
    if (row && !row.classList.contains("selected")) row.classList.add("selected");
  }).observe(q("#modules tbody"), { childList: true });

  // parseEvents takes complete events off the front of buf and returns
  // them with the unparsed rest (the event stream format, "\n" or "\r\n").
  function parseEvents(buf) {
    buf = buf.replace(/\r\n/g, "\n");
    const events = [];
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const i = line.indexOf(":");
        const field = i < 0 ? line : line.slice(0, i);
        let value = i < 0 ? "" : line.slice(i + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      }
      if (data.length) events.push({ name, data: data.join("\n") });
    }
    return [events, buf];
  }

  async function ask(prompt) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      setState("missing", "Asking the AI needs a token: paste one above.");
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    const out = q("#insight-output");
    out.textContent = "";
    setState("waiting", "Asking the AI about " + target.name + "…");
    let res;
    try {
      res = await fetch("/api/modules/" + encodeURIComponent(target.id) + "/insights", {
        method: "POST",
        headers: { Authorization: "Bearer " + token, "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(prompt ? { prompt } : {}),
        signal: controller.signal,
      });
    } catch (err) {
      if (err.name !== "AbortError") setState("error", "Could not reach the server: " + err.message);
      return;
    }
    if (!res.ok || !(res.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
      const body = await res.json().catch(() => null);
      const e = body && body.error;
      setState("error", (e ? e.message + " (" + e.code + ")" : res.status + " " + res.statusText));
      return;
    }
    setState("streaming", "Answering…");
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    let finished = false;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let events;
        [events, buf] = parseEvents(buf + value);
        for (const ev of events) {
          const data = JSON.parse(ev.data);
          if (ev.name === "chunk") {
            out.textContent += data.text;
          } else if (ev.name === "done") {
            finished = true;
            out.textContent = data.text;
            setState("done", "Answered by " + data.provider + " (" + data.model + ") · " +
              data.usage.totalTokens + " tokens · " + (data.durationMs / 1000).toFixed(1) + " s");
          } else if (ev.name === "error") {
            finished = true;
            setState("error", data.code === "SERVICE_UNAVAILABLE" && data.details && data.details.reason === "restarting"
              ? "The server is restarting: ask again in a moment." : data.message + " (" + data.code + ")");
          }
        }
      }
    } catch (err) {
      if (err.name === "AbortError") return;
    }
    if (!finished) setState("error", "The answer was cut off: the connection ended early.");
  }

  q("#insight-form").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!target) {
      setState("missing", "Click a module in the table first.");
      return;
    }
    ask(q("#insight-prompt").value.trim());
  });
})();
