// Progressive enhancement only: every page works without this file.
(() => {
  "use strict";
  const minute = 60_000, hour = 60 * minute, day = 24 * hour;

  function relative(date) {
    const ms = date.getTime() - Date.now(), abs = Math.abs(ms);
    const [n, unit] = abs < minute ? [Math.round(abs / 1000), "s"] : abs < hour ? [Math.round(abs / minute), "min"] : abs < day ? [Math.round(abs / hour), "h"] : [Math.round(abs / day), "d"];
    return ms >= 0 ? `in ${n} ${unit}` : `${n} ${unit} ago`;
  }

  // Instants in the viewer's own zone, with how long until or ago.
  function localTimes(root) {
    for (const el of root.querySelectorAll("time[datetime]")) {
      const date = new Date(el.getAttribute("datetime"));
      if (isNaN(date)) continue;
      const text = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
      el.textContent = el.hasAttribute("data-relative") ? `${relative(date)} (${text})` : text;
      el.title = date.toString();
    }
  }

  // Parts marked data-live are fetched again every few seconds and replaced, so lists stay current.
  function live() {
    const parts = document.querySelectorAll("[data-live]");
    if (parts.length === 0) return;
    setInterval(async () => {
      if (document.hidden) return;
      const response = await fetch(location.href, { headers: { "Accept": "text/html" } });
      if (!response.ok || response.redirected) return;
      const next = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const part of parts) {
        const fresh = next.querySelector(`[data-live="${part.dataset.live}"]`);
        if (fresh && fresh.innerHTML !== part.innerHTML) {
          part.innerHTML = fresh.innerHTML;
          localTimes(part);
        }
      }
    }, 3000);
  }

  // The log of a running run, streamed over Server-Sent Events.
  function stream() {
    const log = document.querySelector("pre.log[data-stream]");
    if (!log) return;
    const source = new EventSource(log.dataset.stream);
    source.addEventListener("log", (e) => {
      const entry = JSON.parse(e.data);
      const data = entry.data || {};
      const line = (entry.type === "stdout" || entry.type === "stderr") && typeof data.text === "string" ? data.text : `[${entry.type}] ${JSON.stringify(data)}`;
      const atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
      log.append(document.createTextNode(line + "\n"));
      if (atEnd) log.scrollTop = log.scrollHeight;
    });
    source.addEventListener("end", () => { source.close(); setTimeout(() => location.reload(), 300); });
  }

  // The new-task form previews its schedule as it changes.
  function preview() {
    const form = document.getElementById("new-task");
    const panel = document.querySelector("[data-preview]");
    if (!form || !panel) return;
    let timer;
    const update = async () => {
      const data = new FormData(form);
      const query = new URLSearchParams();
      for (const name of ["preset", "time", "window", "triggerKind", "expression", "tz"]) query.set(name, data.get(name) || "");
      const response = await fetch(`/tasks/new/preview?${query}`);
      if (!response.ok) return;
      const result = await response.json();
      const list = document.createElement("ol");
      for (const o of result.occurrences || []) {
        const item = document.createElement("li");
        item.textContent = `${new Date(o.at).toLocaleString()} — ${o.local}`;
        list.append(item);
      }
      const text = document.createElement("p");
      text.textContent = result.error || result.description || "";
      panel.querySelectorAll("p, ol").forEach((el) => el.remove());
      panel.querySelector("h2").after(text, list);
    };
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 250); });
  }

  document.addEventListener("DOMContentLoaded", () => {
    localTimes(document);
    live();
    stream();
    preview();
  });
})();
