// ShopSafe's window. Plain JavaScript over Tauri's global API: every action calls one
// command of the Rust side (src-tauri/commands.rs), which runs one operation of the core.
// Errors arrive as {code, message}; the message is a sentence meant for the shop owner.
"use strict";

const { invoke, Channel } = window.__TAURI__.core;
const $ = (id) => document.getElementById(id);

const state = { shops: [], shop: null, editing: null, urlOptions: "", shownUrl: null };

// ---------- small helpers ----------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : String(c ?? ""));
  return node;
}

function bytes(n) {
  if (n == null) return "unknown";
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return i === 0 ? `${n} bytes` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

const count = (n) => Number(n).toLocaleString();
const plural = (n, word) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;
const when = (rfc3339) => new Date(rfc3339).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

function age(secs) {
  const steps = [[86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, word] of steps) {
    const n = Math.floor(secs / size);
    if (n >= 1) return `${plural(n, word)} ago`;
  }
  return "just now";
}

function duration(secs) {
  return secs < 60 ? plural(Math.max(1, Math.round(secs)), "second") : plural(Math.round(secs / 60), "minute");
}

/** Phases a restore can no longer be cancelled in (while it puts the backup in place, the
 * engine stops where it safely can: before SQLite's one-step copy, before PostgreSQL's
 * commit, before MySQL's swap). */
const PAST_RETURN = new Set(["checking", "rolling_back", "done"]);
const KINDS = { full: "Full", database: "Database only", safety: "Safety backup before a restore" };
const SHORT_KINDS = { ...KINDS, safety: "Safety backup" };
const ENGINES = { sqlite: "SQLite", postgresql: "PostgreSQL", mysql: "MySQL/MariaDB" };

function sentence(err) {
  if (err && typeof err === "object" && err.message) return err.message;
  return String(err);
}

let toastTimer = null;
function toast(text, bad = false) {
  const t = $("toast");
  t.textContent = text;
  t.classList.toggle("bad", bad);
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, bad ? 9000 : 3000);
}

/** Ask before something that cannot be undone. Keyboard: focus starts on Cancel (the safe
 * choice), Tab stays inside the dialog, Escape cancels, and focus returns where it was. */
function confirmDialog(title, body, okLabel) {
  const opener = document.activeElement;
  $("modal-title").textContent = title;
  $("modal-body").textContent = body;
  $("modal-ok").textContent = okLabel;
  $("modal").hidden = false;
  $("modal-cancel").focus();
  return new Promise((resolve) => {
    const done = (answer) => {
      $("modal").hidden = true;
      $("modal-ok").onclick = null;
      $("modal-cancel").onclick = null;
      $("modal").onkeydown = null;
      if (opener && document.contains(opener)) opener.focus();
      resolve(answer);
    };
    $("modal-ok").onclick = () => done(true);
    $("modal-cancel").onclick = () => done(false);
    $("modal").onkeydown = (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        done(false);
      } else if (e.key === "Tab") {
        e.preventDefault();
        (document.activeElement === $("modal-ok") ? $("modal-cancel") : $("modal-ok")).focus();
      }
    };
  });
}

function show(screen) {
  for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== `screen-${screen}`;
  for (const b of document.querySelectorAll("nav button")) b.classList.toggle("active", b.dataset.screen === screen);
  document.body.dataset.screen = screen;
}

// ---------- shops and the switcher ----------

async function loadShops(select) {
  state.shops = await invoke("shops");
  const sw = $("shop-switcher");
  sw.replaceChildren(...state.shops.map((s) => el("option", { value: s.name }, s.name)));
  const names = state.shops.map((s) => s.name);
  state.shop = names.includes(select) ? select : names.includes(state.shop) ? state.shop : names[0] ?? null;
  if (state.shop) sw.value = state.shop;
  $("switcher-box").hidden = state.shops.length === 0;
  $("nav").hidden = state.shops.length === 0;
}

async function goHome() {
  if (!state.shop) return openAddShop();
  $("home-shop").textContent = state.shop;
  try {
    const st = await invoke("shop_status", { shop: state.shop });
    const stopped = st.interrupted_restore;
    $("home-light").className = `light ${st.health}`;
    $("home-light").title = stopped
      ? "A restore was stopped before it finished"
      : { fresh: "Backed up recently", ageing: "Backup getting old", stale: "No recent backup" }[st.health];
    if (st.last_good) {
      const b = st.last_good;
      $("home-last").textContent = `Last good backup: ${age(st.age_secs)} (${when(b.created)}${b.name ? `, “${b.name}”` : ""}), ${KINDS[b.kind].toLowerCase()}.`;
    } else {
      $("home-last").textContent = "This shop has no backup yet. Back it up now.";
    }
    $("home-space").textContent = st.dest_free_bytes == null
      ? `Backups go to ${st.shop.dest}, which cannot be read right now.`
      : `${bytes(st.dest_free_bytes)} free where backups go (${st.shop.dest}).`;
    const failed = st.last_attempt_failed;
    $("home-failed").textContent = failed ? `The last backup attempt, ${when(failed.time)}, failed: ${failed.detail}` : "";
    $("home-failed").hidden = !failed;
    $("home-interrupted").textContent = stopped || "";
    $("home-interrupted").hidden = !stopped;
  } catch (e) {
    $("home-last").textContent = sentence(e);
  }
  show("home"); // after the facts are in, so what shows is current
}

// ---------- 1. adding a shop ----------

function kind() {
  return document.querySelector('input[name="kind"]:checked').value;
}

function setKind(k) {
  for (const r of document.querySelectorAll('input[name="kind"]')) r.checked = r.value === k;
  onKindChange();
}

/** The add-shop form, empty for a new shop or filled in to edit `shop`. */
function openAddShop(shop = null) {
  state.editing = shop ? shop.name : null;
  state.urlOptions = "";
  $("add-title").textContent = shop ? `Edit ${shop.name}` : state.shops.length ? "Add a shop" : "Add your shop";
  $("add-save").textContent = shop ? "Save changes" : "Add shop";
  $("add-demo").hidden = !!shop;
  $("add-cancel").hidden = state.shops.length === 0;
  $("add-error").hidden = true;
  forgetTest();
  $("add-name").value = shop ? shop.name : state.shops.length ? "" : "My shop";
  $("add-password").value = "";
  $("add-password").placeholder = shop ? "Leave empty to keep the saved password" : "";
  $("add-media").value = shop?.media ?? "";
  $("add-no-media").checked = !!shop && !shop.media;
  $("add-media").disabled = $("add-no-media").checked;
  $("add-dest").value = shop?.dest ?? "";
  // A new shop's form starts empty, not with the last shop shown.
  for (const id of ["add-host", "add-port", "add-dbname", "add-user"]) $(id).value = "";
  const url = shop?.db_url ?? "";
  const server = url.match(/^(postgres|postgresql|mysql|mariadb):\/\//);
  if (server) {
    setKind(server[1].startsWith("postgres") ? "postgres" : "mysql");
    try {
      const u = new URL(url);
      $("add-host").value = u.hostname.replace(/^\[|\]$/g, "");
      $("add-port").value = u.port;
      $("add-dbname").value = decodeURIComponent(u.pathname.replace(/^\//, ""));
      $("add-user").value = decodeURIComponent(u.username);
      state.urlOptions = u.search; // ?host=/socket/dir …: kept as they are
    } catch {
      $("add-host").value = ""; // a URL the form cannot show; it is kept unless changed
    }
  } else {
    setKind("sqlite");
    $("add-db-file").value = url.replace(/^sqlite:\/\//, "");
  }
  showTls();
  // The database as the form shows it now; saving sends it only if the user changed it.
  state.shownUrl = shop ? databaseUrl() : null;
  show("add");
}

function onKindChange() {
  state.urlOptions = ""; // options of another kind of server do not carry over
  showTls();
  const k = kind();
  $("add-sqlite").hidden = k !== "sqlite";
  $("add-server").hidden = k === "sqlite";
  const port = $("add-port");
  if (k === "postgres" && (!port.value || port.value === "3306")) port.value = "5432";
  if (k === "mysql" && (!port.value || port.value === "5432")) port.value = "3306";
  forgetTest();
}

// ---------- TLS: the form's choice, as each server's URL options name it ----------

const TLS_KEYS = {
  postgres: { mode: "sslmode", ca: "sslrootcert", cert: "sslcert", key: "sslkey" },
  mysql: { mode: "ssl-mode", ca: "ssl-ca", cert: "ssl-cert", key: "ssl-key" },
};
/** The form's fields for the URL's certificate options. */
const TLS_FIELDS = { ca: "add-ca", cert: "add-client-cert", key: "add-client-key" };
const MYSQL_MODES = { disable: "DISABLED", prefer: "PREFERRED", require: "REQUIRED", "verify-full": "VERIFY_IDENTITY" };

/** The URL options (`?a=b&…`) as [key, raw value] pairs. */
function urlPairs() {
  return state.urlOptions
    .replace(/^\?/, "")
    .split("&")
    .filter((p) => p)
    .map((p) => [p.split("=")[0], p.slice(p.indexOf("=") + 1)]);
}

/** Fill the TLS fields from the URL options of the shop being edited (or the defaults). */
function showTls() {
  const keys = TLS_KEYS[kind()];
  const value = (key) => {
    const pair = keys && urlPairs().find(([k]) => k === key);
    if (!pair) return "";
    try {
      return decodeURIComponent(pair[1]);
    } catch {
      return pair[1]; // not %-encoded
    }
  };
  const mode = keys ? value(keys.mode).toLowerCase() : "";
  const mysql = Object.keys(MYSQL_MODES).find((m) => MYSQL_MODES[m].toLowerCase() === mode);
  $("add-tls").value = (kind() === "mysql" ? mysql : mode) || "prefer";
  if (!$("add-tls").value) $("add-tls").value = "prefer"; // not a mode the core accepts
  // MySQL has no check of the authority alone.
  $("add-tls").querySelector('option[value="verify-ca"]').hidden = kind() === "mysql";
  for (const [f, id] of Object.entries(TLS_FIELDS)) $(id).value = keys ? value(keys[f]) : "";
  onTlsChange();
}

function onTlsChange() {
  $("add-ca-field").hidden = !$("add-tls").value.startsWith("verify-");
  $("add-client-field").hidden = $("add-tls").value === "disable";
}

/** The URL options with the form's TLS choice in place of any the URL had. */
function urlOptions() {
  const keys = TLS_KEYS[kind()];
  const ours = [keys.mode, keys.ca, keys.cert, keys.key];
  const pairs = urlPairs().filter(([k]) => !ours.includes(k));
  const mode = $("add-tls").value;
  if (mode !== "prefer") pairs.push([keys.mode, kind() === "mysql" ? MYSQL_MODES[mode] : mode]);
  const ca = $("add-ca").value.trim();
  if (mode.startsWith("verify-") && ca) pairs.push([keys.ca, encodeURIComponent(ca)]);
  // The core says in one sentence when only one of the two is given.
  for (const f of ["cert", "key"]) {
    const path = $(TLS_FIELDS[f]).value.trim();
    if (mode !== "disable" && path) pairs.push([keys[f], encodeURIComponent(path)]);
  }
  return pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : "";
}

/** The database as the core reads it: a file path or a server URL without the password. */
function databaseUrl() {
  if (kind() === "sqlite") return $("add-db-file").value.trim();
  const enc = encodeURIComponent;
  const host = $("add-host").value.trim();
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const port = $("add-port").value.trim();
  return `${kind()}://${enc($("add-user").value.trim())}@${hostPart}${port ? `:${port}` : ""}/${enc($("add-dbname").value.trim())}${urlOptions()}`;
}

function password() {
  return kind() === "sqlite" ? null : $("add-password").value || null;
}

async function pickInto(purpose, inputId) {
  try {
    const path = await invoke("pick", { purpose });
    if (path) {
      $(inputId).value = path;
      $(inputId).dispatchEvent(new Event("input"));
    }
  } catch (e) {
    toast(sentence(e), true);
  }
}

/** What is wrong with the server fields before connecting, in one sentence, if anything. */
function serverFieldsProblem() {
  if (kind() !== "sqlite" && $("add-host").value.includes("://")) {
    return "Type only the server's name or address in Server (such as db.example.com), not a whole URL: its user, port and database go in the fields below.";
  }
  return null;
}

/** What would make backups or restores fail, as a sentence to follow another ("" if nothing). */
function but(warnings) {
  return warnings.length ? ` But ${warnings.join("; and ")}.` : "";
}

async function testConnection() {
  const out = $("test-result");
  const problem = serverFieldsProblem();
  if (problem) {
    out.className = "answer no";
    out.textContent = `No — ${problem}`;
    return;
  }
  out.className = "answer";
  out.textContent = "Connecting…";
  try {
    const found = await invoke("test_connection", { db: databaseUrl(), password: password(), shop: state.editing });
    // Connected, but a backup or restore would fail: not a plain yes.
    out.className = found.warnings.length ? "answer warn" : "answer yes";
    out.textContent = `Yes — ${found.summary}${found.warnings.length ? "." : ""}${but(found.warnings)}`;
  } catch (e) {
    out.className = "answer no";
    out.textContent = `No — ${sentence(e)}`;
  }
}

/** A test's answer is for the fields it was given: any change makes it stale. */
function forgetTest() {
  $("test-result").textContent = "";
  $("test-result").className = "answer";
}

async function saveShop() {
  const err = $("add-error");
  err.hidden = true;
  const problem = serverFieldsProblem();
  if (problem) {
    err.textContent = problem;
    err.hidden = false;
    return;
  }
  const fields = {
    db: databaseUrl(),
    password: password(),
    media: $("add-no-media").checked ? null : $("add-media").value.trim() || null,
    dest: $("add-dest").value.trim(),
  };
  try {
    const shop = state.editing
      ? await invoke("edit_shop", {
        ...fields,
        shop: state.editing,
        newName: $("add-name").value.trim(),
        db: fields.db === state.shownUrl ? null : fields.db,
      })
      : await invoke("add_shop", { name: $("add-name").value.trim(), ...fields });
    await loadShops(shop.name);
    // What would make its backups fail is said now, not at the first backup.
    let warnings = [];
    if (kind() !== "sqlite") {
      try {
        warnings = (await invoke("test_connection", { db: shop.db_url, password: null, shop: shop.name })).warnings;
      } catch {
        // Saved after a successful check: a second look that fails says nothing new.
      }
    }
    const saved = state.editing ? `Saved ${shop.name}.` : `Added ${shop.name}.`;
    toast(`${saved}${but(warnings)}`, warnings.length > 0);
    state.editing = null;
    await goHome();
  } catch (e) {
    err.textContent = sentence(e);
    err.hidden = false;
  }
}

async function addDemo() {
  const err = $("add-error");
  err.hidden = true;
  $("add-demo").disabled = true;
  try {
    let name = "Demo shop";
    for (let n = 2; state.shops.some((s) => s.name === name); n++) name = `Demo shop ${n}`;
    const shop = await invoke("add_demo_shop", { name });
    await loadShops(shop.name);
    toast(`Created ${shop.name} with sample data and pictures.`);
    await goHome();
  } catch (e) {
    err.textContent = sentence(e);
    err.hidden = false;
  } finally {
    $("add-demo").disabled = false;
  }
}

// ---------- 3. running jobs with progress ----------

/** Run a long command with a progress channel; resolves with its result or rejects. */
async function runJob(title, command, args) {
  show("progress");
  $("progress-title").textContent = title;
  $("progress-phase").textContent = "Starting…";
  $("progress-detail").textContent = "";
  $("progress-eta").textContent = "";
  $("progress-fill").style.width = "0%";
  $("progress-cancel").disabled = false;
  $("progress-cancel").textContent = "Cancel";
  setBusy(true);
  const channel = new Channel();
  let phase = null;
  let phaseStart = 0;
  channel.onmessage = (u) => {
    const now = performance.now();
    if (u.phase !== phase) { phase = u.phase; phaseStart = now; }
    $("progress-phase").textContent = u.label;
    // Once a restore checks the shop it finishes or rolls back; it cannot stop.
    if (PAST_RETURN.has(u.phase)) $("progress-cancel").disabled = true;
    const frac = u.bytes_total > 0 ? u.bytes_done / u.bytes_total : u.files_total > 0 ? u.files_done / u.files_total : 0;
    $("progress-fill").style.width = `${Math.min(100, frac * 100).toFixed(1)}%`;
    const parts = [];
    if (u.bytes_total > 0) parts.push(`${bytes(u.bytes_done)} of ${bytes(u.bytes_total)}`);
    // A server database's dump has no size until it is done.
    else if (u.bytes_done > 0) parts.push(`${bytes(u.bytes_done)} so far`);
    // (The database is one file of the archive; its step counts bytes, not files.)
    if (u.files_total > 0 && u.phase !== "database") parts.push(`${count(u.files_done)} of ${count(u.files_total)} files`);
    // Steps without amounts (the last checks) keep the amounts already shown.
    if (parts.length) $("progress-detail").textContent = parts.join(" · ");
    const elapsed = (now - phaseStart) / 1000;
    $("progress-eta").textContent = frac > 0.02 && frac < 1 && elapsed > 0.5
      ? `About ${duration(elapsed * (1 - frac) / frac)} left in this step.` : "";
  };
  try {
    return await invoke(command, { ...args, onProgress: channel });
  } finally {
    setBusy(false);
  }
}

/** While a job runs, the only way out of its screen is its Cancel button. */
function setBusy(busy) {
  for (const b of document.querySelectorAll("nav button")) b.disabled = busy;
  $("shop-switcher").disabled = busy;
}

async function cancelJob() {
  $("progress-cancel").disabled = true;
  $("progress-cancel").textContent = "Cancelling…";
  await invoke("cancel");
}

async function backUp(includeMedia) {
  const name = $("backup-name").value.trim() || null;
  try {
    const b = await runJob(includeMedia ? "Backing up" : "Backing up the database", "backup",
      { shop: state.shop, name, includeMedia });
    $("backup-name").value = "";
    result(true, "Backup finished", `Backup ${b.id} is saved, with a checksum for every part. To read it back and check it, choose Verify in Backups.`, [
      ["Archive", b.path],
      ["Size", bytes(b.size)],
      ["Tables", count(b.tables)],
      ["Rows", count(b.rows)],
      ["Media files", !b.media_included ? "not included" : b.media_files ? `${count(b.media_files)} (${bytes(b.media_bytes)})` : "none"],
      ...(b.media_skipped.length ? [["Not saved", b.media_skipped.join("; ")]] : []),
      ["SHA-256", b.sha256],
    ], "home");
  } catch (e) {
    const cancelled = e && e.code === "cancelled";
    result(false, cancelled ? "Backup cancelled" : "Backup failed", sentence(e), [], "home");
  }
}

// ---------- results ----------

function result(ok, title, lead, facts, back, note = "") {
  show("result");
  $("result-title").textContent = title;
  $("result-lead").textContent = lead;
  $("result-note").textContent = note;
  $("result-card").className = ok ? "card" : "card warn";
  $("result-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  $("result-done").onclick = () => (back === "backups" ? openBackups() : goHome());
}

// ---------- 4. the catalog ----------

async function openBackups(message) {
  $("backups-message").textContent = message ?? "";
  const body = $("backups-table").tBodies[0];
  try {
    const list = await invoke("backups", { shop: state.shop });
    $("backups-empty").hidden = list.length > 0;
    $("backups-table").hidden = list.length === 0;
    body.replaceChildren(...list.map((b) => el("tr", { "data-id": b.id },
      el("td", { class: "nowrap" }, when(b.created)),
      el("td", {}, b.name ?? ""),
      el("td", { title: KINDS[b.kind] }, SHORT_KINDS[b.kind]),
      el("td", { class: "num wide" }, bytes(b.size)),
      el("td", { class: "wide" }, `${plural(b.tables, "table")}, ${plural(b.rows, "row")}, ${plural(b.media_files, "media file")}`),
      !b.archive_found
        ? el("td", { class: "bad", title: b.path }, "Archive not found")
        : el("td", { class: b.verified_ok === false ? "bad" : b.verified_ok ? "ok" : "" },
          b.verified_ok === false ? "Damaged" : b.verified_ok ? `OK ${when(b.verified_at)}` : "Not yet"),
      el("td", { class: "acts" },
        el("button", { class: "small", "data-act": "details", onclick: () => openDetails(b.id) }, "Details"),
        el("button", { class: "small", "data-act": "verify", onclick: () => verify(b.id) }, "Verify"),
        el("button", { class: "small", "data-act": "restore", onclick: () => openRestore(b.id, b.verified_ok === false) }, "Restore"),
        el("button", { class: "small", "data-act": "delete", onclick: () => deleteBackup(b, list.length === 1) }, "Delete")))));
  } catch (e) {
    $("backups-message").textContent = sentence(e);
  }
  show("backups");
}

async function verify(id) {
  try {
    const r = await runJob("Checking the backup", "verify", { id });
    result(true, "The backup is intact", `Every part of backup ${r.backup_id} was read back and matches its checksums.`, [
      ["Archive", r.path],
      ["Entries checked", count(r.entries)],
      ["Bytes checked", bytes(r.bytes)],
      ["SHA-256", r.archive_sha256],
    ], "backups");
  } catch (e) {
    const title = { cancelled: "Check cancelled", corrupt: "The backup is damaged" }[e?.code] ?? "The backup could not be checked";
    result(false, title, sentence(e), [], "backups");
  }
}

async function showInFolder(id) {
  try {
    const path = await invoke("show_in_folder", { id });
    toast(`Opened the folder of ${path}.`);
  } catch (e) {
    toast(sentence(e), true);
  }
}

async function deleteBackup(b, only) {
  const ok = await confirmDialog("Delete this backup?",
    `The backup from ${when(b.created)} and its archive file ${b.path} will be deleted for good.${only ? " It is the only backup of this shop." : ""}`, "Delete");
  if (!ok) return;
  try {
    const r = await invoke("delete_backup", { id: b.id });
    await openBackups(r.note ? `Removed the backup from ${when(b.created)} from the list. ${r.note}`
      : `Deleted the backup from ${when(b.created)}.`);
  } catch (e) {
    toast(sentence(e), true);
  }
}

async function importBackups() {
  try {
    const folder = await invoke("pick", { purpose: "import" });
    if (!folder) return;
    const r = await invoke("import_backups", { folder });
    const failed = r.failed.length ? ` ${plural(r.failed.length, "file")} could not be read: ${r.failed.map(([f, why]) => `${f}: ${why}`).join(" ")}` : "";
    await loadShops();
    await openBackups(`Found ${plural(r.added.length, "new backup")}; ${count(r.known.length)} already listed.${failed}`);
  } catch (e) {
    toast(sentence(e), true);
  }
}

// ---------- 5. details ----------

async function openDetails(id) {
  try {
    const b = await invoke("backup_details", { id });
    const m = b.manifest;
    $("details-title").textContent = `Backup of ${when(b.created)}${b.name ? ` — “${b.name}”` : ""}`;
    const facts = [
      ["Shop", b.shop_name],
      ["Kind", KINDS[b.kind]],
      ["Archive", b.path],
      ["Size", bytes(b.size)],
      ["Database", `${ENGINES[m.database.engine] || m.database.engine} ${m.database.server_version}, database ${m.database.database_name}`],
      ["Saved with", m.database.method],
      ["Checked", b.verified_ok === false ? "Damaged" : b.verified_ok ? `Intact (${when(b.verified_at)})` : "Not yet"],
      ["Archive SHA-256", b.sha256],
      ["Database SHA-256", m.database.entry.sha256],
      ["Made by", `ShopSafe ${m.app_version}, archive format ${m.format_version}`],
    ];
    $("details-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { class: k.includes("SHA") ? "mono" : "" }, v)]));
    $("details-tables").tBodies[0].replaceChildren(...m.database.tables.map((t) =>
      el("tr", {}, el("td", {}, t.name), el("td", { class: "num" }, count(t.rows)))));
    $("details-media").textContent = m.media.included
      ? `${count(m.media.file_count)} files, ${bytes(m.media.total_bytes)}, each with its own SHA-256 checksum.` +
        (m.media.skipped.length ? ` Left out: ${m.media.skipped.join(", ")}.` : "")
      : "This backup holds the database only, no media files.";
    $("details-back").onclick = () => openBackups();
    $("details-folder").onclick = () => showInFolder(id);
    show("details");
  } catch (e) {
    toast(sentence(e), true);
  }
}

// ---------- 6. restore ----------

/** The restore's plan, to confirm. `damaged`: the last check of this backup failed. Keyboard:
 * focus starts on "Keep my shop" (the safe choice), and Escape keeps it. */
async function openRestore(id, damaged) {
  let plan;
  try {
    plan = await invoke("prepare_restore", { id });
  } catch (e) {
    return toast(sentence(e), true);
  }
  show("confirm");
  $("confirm-cancel").focus();
  $("confirm-lead").textContent = plan.other_shop
    ? `${plan.other_shop} Your shop ${plan.shop.name} will be replaced by it: its database and media become those of the backup from ${when(plan.backup_created)}.`
    : `Your shop ${plan.shop.name} will be replaced by the backup from ${when(plan.backup_created)}. Everything changed since then is undone.`;
  $("confirm-safety").textContent = (damaged
    ? "The last check found this backup damaged: the restore checks it again first, and stops before changing anything if it still is. "
    : "") + (plan.pre_backup
    ? "First, ShopSafe takes a safety backup of the shop as it is now, so you can go back. The restored shop is then checked row by row and file by file; if anything does not match, your shop is put back as it was."
    : "No safety backup will be taken.");
  // Tables that differ first: they are what the restore changes.
  const tables = [...plan.tables.filter((t) => t.changes), ...plan.tables.filter((t) => !t.changes)];
  const n = tables.filter((t) => t.changes).length;
  $("confirm-summary").textContent = n === 0
    ? "Every table has as many rows now as in the backup (their contents may still differ)."
    : `${n} table${n === 1 ? " has" : "s have"} a different number of rows now than in the backup.`;
  $("confirm-tables").tBodies[0].replaceChildren(...tables.map((t) =>
    el("tr", { class: t.changes ? "changed" : "" },
      el("td", {}, t.name),
      el("td", { class: "num" }, !t.exists_now ? "not there" : t.rows_now == null ? "could not be counted" : count(t.rows_now)),
      el("td", { class: "num" }, t.rows_backup == null ? "not in backup (removed)" : count(t.rows_backup)))));
  const made = plan.objects_made_since;
  const unlisted = plan.objects_unlisted_then;
  $("confirm-objects").textContent = made.length
    ? `Made since the backup, and removed by the restore: ${made.join(", ")}.`
    : unlisted.length
      ? `This backup was made by an older ShopSafe, which did not list views, routines and triggers: of those there now, the ones it lacks are removed (${unlisted.join(", ")}).`
      : "";
  $("confirm-objects").hidden = !made.length && !unlisted.length;
  const md = plan.media;
  $("confirm-media").textContent = md
    ? `${count(md.files_now)} files now, ${count(md.files_backup)} in the backup: ${count(md.added_since)} added since will be removed, ${count(md.removed_since)} removed since will come back, ${count(md.changed)} changed will be put back.`
    : "The media folder is not touched.";
  $("confirm-restore").onclick = () => restore(plan);
  $("confirm-cancel").onclick = () => openBackups();
  $("screen-confirm").onkeydown = (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      openBackups();
    }
  };
}

async function restore(plan) {
  try {
    const r = await runJob("Restoring", "restore", { id: plan.backup_id });
    result(true, "Your shop is restored", `Backup ${r.backup_id} is in place and was checked row by row and file by file.`, [
      ["Shop", r.shop],
      ["Safety backup", r.safety_backup
        ? "Taken first: it is in Backups, named “Before restoring …”, should you want to go back"
        : "none"],
      ["Tables checked", count(r.tables_checked)],
      ["Rows checked", count(r.rows_checked)],
      ["Media files checked", r.media_files_checked == null ? "not part of this backup" : count(r.media_files_checked)],
      ...r.notes.map((n) => ["Note", n]),
    ], "backups");
  } catch (e) {
    // The core changes nothing before the backup is checked and rolls back any failure
    // after that; only an internal error may have left something, and its sentence says so.
    const note = e?.code && e.code !== "internal" ? "Your shop is as it was before the restore." : "";
    result(false, e && e.code === "cancelled" ? "Restore cancelled" : "The restore did not go through", sentence(e), [], "backups", note);
  }
}

// ---------- 7. activity ----------

async function openActivity() {
  try {
    const entries = await invoke("activity", { limit: 200 });
    $("activity-table").tBodies[0].replaceChildren(...entries.map((a) =>
      el("tr", {},
        el("td", { class: "nowrap" }, when(a.time)),
        el("td", {}, a.action),
        el("td", {}, a.shop ?? ""),
        el("td", { class: a.outcome === "ok" ? "ok" : "bad" }, a.outcome),
        el("td", {}, a.detail))));
  } catch (e) {
    toast(sentence(e), true);
  }
  show("activity");
}

// ---------- 8. shops ----------

async function openShops() {
  show("shops");
  $("shops-table").tBodies[0].replaceChildren(...state.shops.map((s) =>
    el("tr", { "data-shop": s.name },
      el("td", {}, s.name),
      el("td", {}, s.db_url),
      el("td", {}, s.media ?? "none"),
      el("td", {}, s.dest),
      el("td", { class: "acts" },
        el("button", { class: "small", "data-act": "edit", onclick: () => openAddShop(s) }, "Edit"),
        el("button", { class: "small", "data-act": "remove", onclick: () => removeShop(s.name) }, "Remove")))));
}

async function removeShop(name) {
  const ok = await confirmDialog(`Remove ${name}?`,
    "ShopSafe forgets this shop. Its database, media and backup files stay where they are.", "Remove");
  if (!ok) return;
  try {
    await invoke("remove_shop", { shop: name });
    await loadShops();
    if (!state.shop) return openAddShop();
    await openShops();
  } catch (e) {
    toast(sentence(e), true);
  }
}

// ---------- wiring ----------

function wire() {
  for (const r of document.querySelectorAll('input[name="kind"]')) r.addEventListener("change", onKindChange);
  $("pick-db").onclick = () => pickInto("database", "add-db-file");
  $("pick-ca").onclick = () => pickInto("certificate", "add-ca");
  $("pick-client-cert").onclick = () => pickInto("client_certificate", "add-client-cert");
  $("pick-client-key").onclick = () => pickInto("client_key", "add-client-key");
  $("add-tls").addEventListener("change", onTlsChange);
  $("pick-media").onclick = () => pickInto("media", "add-media");
  $("pick-dest").onclick = () => pickInto("destination", "add-dest");
  $("add-no-media").onchange = () => { $("add-media").disabled = $("add-no-media").checked; };
  $("test-connection").onclick = testConnection;
  for (const id of ["add-db-file", "add-host", "add-port", "add-dbname", "add-user", "add-password", "add-tls", "add-ca", "add-client-cert", "add-client-key"]) {
    $(id).addEventListener("input", forgetTest);
  }
  $("add-save").onclick = saveShop;
  $("add-demo").onclick = addDemo;
  $("add-cancel").onclick = () => { state.editing = null; goHome(); };
  $("backup-full").onclick = () => backUp(true);
  $("backup-db").onclick = () => backUp(false);
  $("progress-cancel").onclick = cancelJob;
  $("import-backups").onclick = importBackups;
  $("shops-add").onclick = () => openAddShop();
  $("shop-switcher").onchange = (e) => { state.shop = e.target.value; goHome(); };
  $("nav-home").onclick = goHome;
  $("nav-backups").onclick = () => openBackups();
  $("nav-activity").onclick = openActivity;
  $("nav-shops").onclick = openShops;
}

async function start() {
  wire();
  try {
    await loadShops();
  } catch (e) {
    toast(sentence(e), true);
  }
  await goHome();
}

start();
