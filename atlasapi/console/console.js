// earsim console: the world of `earsim serve`, live. Every name and message
// is put into the page as text (textContent), never as markup.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const state = { world: null, lifecycle: null, project: "", token: "", inflight: false, dirty: false };

// The world this page shows: the console of world W is served at
// /w/W/console/ and reads that world's control routes under /w/W/; the
// root's console is the world "default" (README "One serve for a team").
const base = location.pathname.replace(/console\/[^/]*$/, "");
const worldName = (/^\/w\/([a-z0-9-]{1,64})\/$/.exec(base) || [null, "default"])[1];

// A control token, when the server has one, comes as #token=... (a URL
// fragment is never sent to the server) and is kept for this tab only.
(function readToken() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has("token")) {
    sessionStorage.setItem("earsim-token", params.get("token"));
    params.delete("token");
    history.replaceState(null, "", location.pathname + (params.toString() ? "#" + params : ""));
  }
  state.token = sessionStorage.getItem("earsim-token") || "";
  state.project = new URLSearchParams(location.hash.slice(1)).get("project") || "";
})();

function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  if (state.token) h["Authorization"] = "Bearer " + state.token;
  return h;
}

// api sends a control request; a refusal becomes an Error carrying the
// answer (errorCode, rule, detail).
async function api(method, path, body) {
  const res = await fetch(base + "_sim/v1/" + path, {
    method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit", cache: "no-store",
  });
  const text = await res.text();
  let doc = null;
  try { doc = text ? JSON.parse(text) : null; } catch (_) { /* not JSON */ }
  if (!res.ok) {
    const err = new Error((doc && doc.detail) || res.status + " " + res.statusText);
    err.answer = doc || { error: res.status };
    throw err;
  }
  return doc;
}

// el builds an element: attributes, then children (strings become text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function badge(text, kind) { return el("span", { class: "badge " + (kind || text) }, text); }
function ruleTag(id) {
  if (!id) return null;
  const r = state.world && state.world.rules[id];
  return el("span", { class: "rule", title: r ? r.title : "" }, id);
}
function emptyRow(cols, text) { return el("tr", {}, el("td", { colspan: cols, class: "empty" }, text)); }
function replace(id, ...children) {
  const target = document.getElementById(id);
  target.replaceChildren(...children.flat());
  labelCells(target.closest("table") || target);
}

// labelCells gives each cell its column's name (data-label), which narrow
// screens show beside the value when a table's rows become cards.
function labelCells(root) {
  for (const table of root.tagName === "TABLE" ? [root] : root.querySelectorAll("table")) {
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent);
    for (const tr of table.querySelectorAll("tbody tr")) {
      [...tr.children].forEach((td, i) => { if (names[i] && !td.hasAttribute("colspan")) td.dataset.label = names[i]; });
    }
  }
}

function notice(text, ok) {
  const n = document.getElementById("notice");
  n.textContent = text;
  n.className = "notice" + (ok ? " ok" : "");
  n.hidden = !text;
}

// act runs a console action and says what happened; a refusal is shown
// with its errorCode and rule (it is in the timeline too).
async function act(what, method, path, body) {
  try {
    await api(method, path, body);
    notice(what + ": done", true);
  } catch (e) {
    const a = e.answer || {};
    notice(what + " refused: " + [a.errorCode, a.rule ? "(" + a.rule + ")" : "", e.message].filter(Boolean).join(" "));
  }
  refresh();
}

// hazard asks before an action a rule warns about, in the rule's words.
function hazard(ruleIDs, text) {
  const d = document.getElementById("confirm");
  const rules = ruleIDs.map((id) => state.world.rules[id]).filter(Boolean);
  document.getElementById("confirm-title").textContent = ruleIDs.join(", ") + (rules[0] ? ": " + rules[0].title : "");
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-source").textContent = rules.map((r) => "“" + r.source + "”").join(" ");
  return new Promise((resolve) => {
    d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
    d.showModal();
  });
}

function project() {
  const w = state.world;
  return w.projects.find((p) => p.id === state.project) || w.projects[0];
}

// The clock shown runs between reads at the server's scale (the server
// wakes the page for effects, not for every second that passes).
function showNow() {
  const w = state.world;
  if (!w) return;
  const ms = Date.parse(w.now) + (w.timeScale > 0 ? (performance.now() - state.readAt) * w.timeScale : 0);
  document.getElementById("now").textContent = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace("T", " ").replace(".000Z", " UTC");
}
setInterval(showNow, 1000);

function renderClock(w) {
  showNow();
  document.getElementById("scale").textContent = w.timeScale > 0
    ? "runs at " + w.timeScale + "× real time"
    : "stands still: it moves only when advanced";
}

function renderProjects(w) {
  const sel = document.getElementById("project");
  if (!w.projects.some((p) => p.id === state.project)) state.project = w.projects.length ? w.projects[0].id : "";
  sel.replaceChildren(...w.projects.map((p) => el("option", { value: p.id, selected: p.id === state.project }, p.name + " (" + p.id + ")")));
  const p = project();
  document.getElementById("project-state").textContent = p ? p.state : "no project";
}

function renderEncryption(p) {
  const e = p.encryption;
  const row = (k, v) => [el("dt", {}, k), el("dd", {}, v)];
  replace("encryption-config",
    row("Azure Key Vault", e.enabled ? badge("enabled", "yes") : badge("not enabled", "no")),
    row("valid", e.enabled ? (e.valid ? badge("valid", "yes") : badge("not valid", "no")) : "—"),
    row("Require Private Networking", e.requirePrivateNetworking ? badge("on", "yes") : badge("off", "no")),
    row("Key vault", e.keyVaultName || "—"),
    row("Key identifier", e.keyIdentifier || "—"),
    row("Subscription", e.subscriptionID || "—"),
    row("Resource group", e.resourceGroupName || "—"),
    row("Client ID", e.clientID || "—"),
    row("Tenant ID", e.tenantID || "—"),
    row("Secret", e.enabled ? "set (never shown: Atlas does not return it)" : "—"));
}

function renderEndpoints(p) {
  const rows = p.endpoints.map((ep) => el("tr", { "data-endpoint": ep.id },
    el("td", {}, ep.regionName),
    el("td", { class: "wrap" }, ep.privateEndpointConnectionName || "—"),
    el("td", {}, badge(ep.status)),
    el("td", { class: "wrap" }, ep.errorMessage || ""),
    el("td", { class: "actions" }, el("button", {
      type: "button", class: "danger", "data-action": "delete",
      disabled: ep.status === "DELETING",
      onclick: () => act("Delete endpoint " + ep.regionName, "POST", "console/groups/" + p.id + "/privateEndpoints/" + ep.id + "/delete", {}),
    }, "Delete"))));
  replace("endpoint-rows", rows.length ? rows : emptyRow(5, "No private endpoints in this project."));
}

function renderAzure(w, p) {
  const vaults = w.azure.vaults.map((v) => {
    const rows = v.connections.map((c) => el("tr", { "data-connection": c.endpointId },
      el("td", {}, c.name),
      el("td", {}, badge(c.state)),
      el("td", {}, c.regionName),
      el("td", {}, badge(c.status)),
      el("td", { class: "actions" },
        el("button", { type: "button", "data-action": "approve", disabled: c.state !== "PENDING",
          onclick: () => act("Approve " + c.name, "POST", "groups/" + c.groupId + "/privateEndpoints/" + c.endpointId + "/approve", {}) }, "Approve"),
        el("button", { type: "button", "data-action": "reject", disabled: c.state !== "PENDING" && c.state !== "APPROVED",
          onclick: () => act("Reject " + c.name, "POST", "groups/" + c.groupId + "/privateEndpoints/" + c.endpointId + "/reject", {}) }, "Reject"),
        el("button", { type: "button", "data-action": "remove", class: "danger", disabled: c.state === "REMOVED",
          onclick: () => act("Remove " + c.name, "POST", "groups/" + c.groupId + "/privateEndpoints/" + c.endpointId + "/remove", {}) }, "Remove"))));
    return el("div", { class: "vault" },
      el("h3", {}, "Key vault " + v.name + " ", el("span", { class: "muted" }, "resource group " + v.resourceGroupName + ", subscription " + v.subscriptionID)),
      el("div", { class: "scroll" }, el("table", {},
        el("thead", {}, el("tr", {}, ["Connection name", "Connection state", "Region", "Atlas status", "Actions"].map((h) => el("th", {}, h)))),
        el("tbody", {}, rows.length ? rows : emptyRow(5, "No private endpoint connections.")))));
  });
  replace("vaults", vaults);

  const keys = w.azure.keys.map((k) => {
    const used = p.keyInUse !== "" && k.keyIdentifier === p.keyInUse;
    const act2 = (label, path, body, rules, text) => el("button", {
      type: "button", class: "danger", "data-action": label.toLowerCase().replace(/ /g, "-"), disabled: k.deleted,
      onclick: async () => { if (await hazard(rules, text)) act(label + " " + k.name + "/" + k.version, "POST", path, body); },
    }, label);
    const access = used
      ? (k.accessGranted
        ? act2("Revoke access", "azure/keys/access", { groupId: p.id, granted: false }, ["EAR-KEY-01"],
          "Atlas loses access to the key this project uses: Atlas pauses its clusters that use customer key management.")
        : el("button", { type: "button", "data-action": "restore-access",
          onclick: () => act("Restore access", "POST", "azure/keys/access", { groupId: p.id, granted: true }) }, "Restore access"))
      : null;
    return el("tr", {},
      el("td", {}, k.vault),
      el("td", {}, k.name, used ? el("span", { class: "muted" }, " (in use by this project)") : null),
      el("td", { class: "rule" }, k.version),
      el("td", {}, k.deleted ? badge("deleted", "no") : k.enabled ? badge("enabled", "yes") : badge("disabled", "no")),
      el("td", {}, k.accessGranted ? badge("granted", "yes") : badge("revoked", "no")),
      el("td", { class: "actions" }, access,
        k.enabled && !k.deleted ? act2("Disable", "azure/keys/disable", { keyIdentifier: k.keyIdentifier }, ["EAR-KEY-02", "EAR-ROT-02"],
          "A disabled key can no longer encrypt or decrypt: any cluster whose data it protects becomes inaccessible. Disable a key only after customer key management is off for every project using it, and keep a rotated-out key until the rotation and its snapshots are done.") : null,
        act2("Delete", "azure/keys/delete", { keyIdentifier: k.keyIdentifier }, ["EAR-KEY-02", "EAR-ROT-02"],
          "A deleted key cannot be used again: data it protects is lost for clusters and snapshots that still need it.")));
  });
  replace("key-rows", keys.length ? keys : emptyRow(6, "No keys."));

  const subs = w.azure.subscriptions.map((s) => el("tr", {},
    el("td", { class: "rule" }, s.id),
    el("td", {}, s.networkRegistered ? badge("registered", "yes") : badge("not registered", "no")),
    el("td", { class: "actions" }, s.networkRegistered
      ? el("button", { type: "button", class: "danger", onclick: async () => {
        if (await hazard(["EAR-NET-01"], "Without Microsoft.Network registered, new private endpoints in this subscription fail to provision.")) {
          act("Unregister Microsoft.Network", "POST", "azure/subscriptions/" + s.id + "/network", { registered: false });
        }
      } }, "Unregister")
      : el("button", { type: "button", onclick: () => act("Register Microsoft.Network", "POST", "azure/subscriptions/" + s.id + "/network", { registered: true }) }, "Register"))));
  replace("subscription-rows", subs.length ? subs : emptyRow(3, "No subscriptions."));
}

function renderClusters(p) {
  const reasons = { USER: "paused by a user", KEY_ACCESS_REVOKED: "paused: Atlas lost access to the key (EAR-KEY-01)", MULTI_CLOUD_UNSUPPORTED: "paused: multi-cloud clusters cannot use private networking for CMK" };
  const rows = p.clusters.map((c) => el("tr", { "data-cluster": c.name },
    el("td", {}, c.name),
    el("td", {}, c.tier || "—"),
    el("td", {}, c.regions.join(", ")),
    el("td", {}, badge(c.encryptionAtRestProvider || "NONE", c.encryptionAtRestProvider === "AZURE" ? "yes" : "")),
    el("td", {}, c.requirePrivateNetworking ? badge(c.requirePrivateNetworking === "ACTIVE" ? "Active" : "Inactive", c.requirePrivateNetworking === "ACTIVE" ? "yes" : "no") : "—", " ", ruleTag("EAR-CL-02")),
    el("td", {}, badge(c.stateName), c.paused ? el("div", { class: "muted" }, reasons[c.pauseReason] || "paused" + (c.pauseReason ? " (" + c.pauseReason + ")" : "")) : null)));
  replace("cluster-rows", rows.length ? rows : emptyRow(6, "No clusters in this project."));
}

// renderDiagram lays the explorer's transitions out in columns by distance
// from "(none)" (no endpoint), and marks the statuses endpoints are in.
// Forward moves go right; moves within a column run down its right side;
// moves back (to no endpoint) run below the whole diagram. Boxes, gaps and
// margins are sized from the labels as the page's font draws them, one
// label a line, so no label is cut or hidden under a box (issue 25). On a
// narrow screen the same transitions are a list (the CSS shows one of the
// two), rather than a drawing too small to read.
function renderDiagram(p) {
  const lc = state.lifecycle;
  if (!lc) return;
  const counts = {};
  for (const ep of p.endpoints) counts[ep.status] = (counts[ep.status] || 0) + 1;
  const pairs = new Map(); // one arrow per pair of statuses, its labels listed
  for (const e of lc.edges) {
    const k = e.from + "\u0000" + e.to;
    if (!pairs.has(k)) pairs.set(k, { from: e.from, to: e.to, labels: [] });
    pairs.get(k).labels.push(e.label);
  }
  const edges = [...pairs.values()];
  const names = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
  const col = { "(none)": 0 };
  for (let changed = true; changed;) {
    changed = false;
    for (const e of edges) {
      if (col[e.from] !== undefined && e.to !== "(none)" && (col[e.to] === undefined || col[e.to] > col[e.from] + 1)) {
        col[e.to] = col[e.from] + 1; changed = true;
      }
    }
  }
  const out = (n) => edges.filter((e) => e.from === n).length;
  const cols = [];
  for (const n of names) (cols[col[n] ?? 0] ||= []).push(n);
  cols.forEach((ns) => ns.sort((a, b) => out(b) - out(a) || (a < b ? -1 : 1)));
  const row = {};
  cols.forEach((ns) => ns.forEach((n, i) => { row[n] = i; }));
  const title = (n) => (n === "(none)" ? "no endpoint" : n);
  const nodeLabel = (n) => title(n) + (counts[n] ? " · " + counts[n] : "");

  // Text widths in the fonts the stylesheet gives the drawing's labels.
  const ctx = document.createElement("canvas").getContext("2d");
  const family = getComputedStyle(document.body).fontFamily;
  const width = (text, px) => { ctx.font = px + "px " + family; return ctx.measureText(text).width; };
  const NODE_PX = 12, EDGE_PX = 10, LINE = 12;
  const widest = (texts, px) => Math.max(0, ...texts.map((t) => width(t, px)));
  const BW = Math.max(120, Math.ceil(widest(names.map((n) => title(n) + " · 99"), NODE_PX)) + 24);
  const BH = 36, VGAP = 44, TOP = 28, LEFT = 16;
  const forward = edges.filter((e) => col[e.to] > col[e.from]);
  const within = edges.filter((e) => col[e.to] === col[e.from]);
  const back = edges.filter((e) => col[e.to] < col[e.from]);
  const sideW = Math.ceil(widest(within.flatMap((e) => e.labels), EDGE_PX));
  const SIDE = 22 + 14 * 2; // the widest loop on a column's right side
  const lastCol = cols.length - 1;
  const sideInGaps = within.some((e) => col[e.from] !== lastCol);
  const GAP = Math.max(70, Math.ceil(widest(forward.flatMap((e) => e.labels), EDGE_PX)) + 28 + (sideInGaps ? SIDE + sideW + 8 : 0));
  const RIGHT = within.some((e) => col[e.from] === lastCol) ? SIDE + sideW + 12 : 16;
  const x = (n) => LEFT + col[n] * (BW + GAP), y = (n) => TOP + row[n] * (BH + VGAP);
  const rows = Math.max(...cols.map((c) => c.length));
  const floor = TOP + rows * (BH + VGAP) - VGAP / 2;
  const w = LEFT + cols.length * BW + lastCol * GAP + RIGHT, h = floor + back.length * 18 + 16;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "private endpoint lifecycle");
  const s = (tag, attrs, text) => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const marker = s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
  marker.append(s("path", { d: "M0,0 L10,5 L0,10 z", fill: "#889397" }));
  const defs = s("defs", {});
  defs.append(marker);
  svg.append(defs);
  let side = 0, under = 0;
  for (const e of edges) {
    let d, lx, ly, anchor = "middle", lines = e.labels;
    if (col[e.to] > col[e.from]) {
      const x1 = x(e.from) + BW, y1 = y(e.from) + BH / 2, x2 = x(e.to), y2 = y(e.to) + BH / 2;
      d = `M${x1},${y1} C${x1 + 40},${y1} ${x2 - 40},${y2} ${x2},${y2}`;
      lx = (x1 + x2) / 2; ly = (y1 + y2) / 2 - 5 - (lines.length - 1) * LINE; // the last line just above the middle
    } else if (col[e.to] === col[e.from]) {
      const off = 22 + 14 * (side++ % 3), xr = x(e.from) + BW, y1 = y(e.from) + BH / 2 + 6, y2 = y(e.to) + BH / 2 - 6;
      d = `M${xr},${y1} C${xr + off},${y1} ${xr + off},${y2} ${xr},${y2}`;
      lx = xr + off * 0.75 + 3; ly = (y1 + y2) / 2 + 3 - (lines.length - 1) * LINE / 2; anchor = "start";
    } else {
      const k = under++, yb = floor + k * 18, x1 = x(e.from) + BW / 2 + k * 8, x2 = x(e.to) + BW / 2 - k * 8;
      d = `M${x1},${y(e.from) + BH} V${yb} H${x2} V${y(e.to) + BH}`;
      lx = (x1 + x2) / 2; ly = yb - 3; lines = [e.labels.join(" / ")];
    }
    const g = s("g", { class: "edge" });
    g.append(s("path", { d, "marker-end": "url(#arrow)" }), ...lines.map((l, i) => s("text", { x: lx, y: ly + i * LINE, "text-anchor": anchor }, l)));
    svg.append(g);
  }
  for (const n of names) {
    const g = s("g", { class: "node" + (counts[n] ? " current" : ""), "data-status": n });
    g.append(s("rect", { x: x(n), y: y(n), width: BW, height: BH }),
      s("text", { x: x(n) + BW / 2, y: y(n) + BH / 2 + 4, "text-anchor": "middle" }, nodeLabel(n)));
    svg.append(g);
  }

  const order = cols.flat();
  const list = el("ol", { class: "transitions" }, order.map((n) => el("li", { "data-status": n, class: counts[n] ? "current" : "" },
    n === "(none)" ? el("span", { class: "muted" }, nodeLabel(n)) : badge(nodeLabel(n), n),
    el("ul", {}, edges.filter((e) => e.from === n).map((e) => el("li", {}, "→ ", title(e.to), ": ", e.labels.join(", ")))))));
  replace("diagram", svg, list);
}

function renderTimeline(w) {
  const items = w.timeline.slice().reverse().map((ev) => {
    const r = ev.rule && w.rules[ev.rule];
    return el("li", { class: ev.kind, "data-rule": ev.rule || "" },
      el("span", { class: "when" }, (ev.at || "").replace("T", " ").replace("Z", "")),
      el("div", {},
        badge(ev.kind), " ", ruleTag(ev.rule), r ? " " + r.title + " · " : " ",
        el("strong", {}, ev.what), ev.op ? el("span", { class: "muted" }, " after " + ev.op) : null,
        ev.msg ? el("div", {}, ev.msg) : null),
      r && r.source ? el("p", { class: "source" }, "“" + r.source + "”") : null);
  });
  replace("events", items.length ? items : el("li", { class: "empty" }, "Nothing has happened yet."));
}

function render() {
  const w = state.world;
  renderClock(w);
  renderProjects(w);
  const p = project();
  if (!p) return;
  renderEncryption(p);
  renderEndpoints(p);
  renderAzure(w, p);
  renderClusters(p);
  renderDiagram(p);
  renderTimeline(w);
}

// refresh reads the world once; changes during a read cause one more read.
async function refresh() {
  if (state.inflight) { state.dirty = true; return; }
  state.inflight = true;
  try {
    state.world = await api("GET", "console/world");
    state.readAt = performance.now();
    render();
  } catch (e) {
    const a = e.answer || {};
    notice("Cannot read the world: " + e.message + (a.error === 401 ? " (this server has a control token: open /console/#token=YOUR_TOKEN)" : ""));
  } finally {
    state.inflight = false;
    if (state.dirty) { state.dirty = false; refresh(); }
  }
}

// soon coalesces the wake-ups of a burst of changes into one read.
let soonTimer = 0;
function soon() {
  if (!soonTimer) soonTimer = setTimeout(() => { soonTimer = 0; refresh(); }, 150);
}

// live follows the server's event stream (read with fetch, so that a
// control token can go in a header); it reconnects with a growing delay.
async function live() {
  const badgeEl = document.getElementById("live");
  let delay = 1000;
  for (;;) {
    try {
      const res = await fetch(base + "_sim/v1/console/events", { headers: headers(false), credentials: "omit", cache: "no-store" });
      if (!res.ok || !res.body) throw new Error(res.status + " " + res.statusText);
      badgeEl.textContent = "live"; badgeEl.className = "live on";
      delay = 1000;
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const msg = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (/^event: world$/m.test(msg)) soon();
        }
      }
    } catch (_) { /* reconnect below */ }
    badgeEl.textContent = "offline"; badgeEl.className = "live off";
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10000);
  }
}

// The world selector lists the server's worlds (a control route at the
// root); choosing one opens that world's own page.
async function worlds() {
  const sel = document.getElementById("world");
  let names = [worldName];
  try {
    const res = await fetch("/_sim/v1/worlds", { headers: headers(false), credentials: "omit", cache: "no-store" });
    if (res.ok) names = (await res.json()).results.map((w) => w.name);
  } catch (_) { /* a server without worlds: this page's alone */ }
  if (!names.includes(worldName)) names.push(worldName);
  sel.replaceChildren(...names.map((n) => el("option", { value: n, selected: n === worldName }, n)));
}
document.getElementById("world").addEventListener("change", (e) => {
  const n = e.target.value;
  location.assign((n === "default" ? "/" : "/w/" + n + "/") + "console/");
});
document.getElementById("world").addEventListener("focus", worlds);

document.getElementById("project").addEventListener("change", (e) => {
  state.project = e.target.value;
  history.replaceState(null, "", "#project=" + encodeURIComponent(state.project));
  render();
});
for (const b of document.querySelectorAll("[data-advance]")) {
  b.addEventListener("click", () => act("Advance the clock " + b.textContent, "POST", "clock/advance", { seconds: Number(b.dataset.advance) }));
}
fetch("lifecycle.json", { cache: "no-store" }).then((r) => r.json()).then((lc) => { state.lifecycle = lc; if (state.world) render(); });
worlds();
refresh();
live();
