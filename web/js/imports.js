// Imports: the list, the new-import wizard (file → mapping → preview → start) and one import's
// live progress and results.
import { ApiError, api, saveUrl, uploadFile } from "./api.js";
import { announce, clearErrors, field, fmtDate, formError, h, showError } from "./dom.js";

export const STAGES = ["queued", "parsing", "deduplicating", "suppressing", "enriching", "segmenting", "scoring", "complete"];
const OUTCOMES = ["imported", "updated", "skipped", "suppressed", "error"];
const COUNTERS = ["total", "imported", "updated", "skipped", "suppressed", "errored"];
const MAX_BYTES = 5_000_000; // the preview reads the file's text; the API takes up to 5 MB there
const TYPES = [".csv", ".tsv", ".txt"];

function counters(c) {
  return h("dl", { class: "counters" }, COUNTERS.map((k) => h("div", {}, h("dt", {}, k), h("dd", { "data-counter": k }, String(c[k] ?? 0)))));
}

function statusBadge(job) {
  return h("span", { class: `badge ${job.status}` }, job.status === "running" ? `running · ${job.stage}` : job.status);
}

// ---- list -------------------------------------------------------------------------------------

export function importsList() {
  const body = h("div", {}, h("p", {}, "Loading imports…"));
  const el = h("section", {}, h("div", { class: "head" }, h("h1", {}, "Imports"), h("a", { class: "button", href: "#/imports/new" }, "New import")), body);
  let cursor = null;
  async function load(more) {
    try {
      const page = await api("GET", `/imports?page_size=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      const rows = page.data.map((job) =>
        h("tr", {},
          h("td", {}, h("a", { href: `#/imports/${encodeURIComponent(job.id)}` }, job.filename || job.id)),
          h("td", { "data-label": "Source" }, job.source || "file"),
          h("td", { "data-label": "Status" }, statusBadge(job)),
          h("td", { class: "num", "data-label": "Imp / upd / skip / supp / err" }, `${job.counters.imported} / ${job.counters.updated} / ${job.counters.skipped} / ${job.counters.suppressed} / ${job.counters.errored}`),
          h("td", { "data-label": "Started" }, fmtDate(job.created_at)),
          h("td", { "data-label": "Finished" }, job.status === "complete" || job.status === "failed" ? fmtDate(job.updated_at) : "—"),
        ));
      let table = body.querySelector("table");
      if (!more || !table) {
        if (!rows.length) {
          body.replaceChildren(h("p", {}, "No imports yet. ", h("a", { href: "#/imports/new" }, "Start one")));
          return;
        }
        table = h("table", { class: "cards" },
          h("caption", { class: "sr-only" }, "Imports, newest first"),
          h("thead", {}, h("tr", {}, ["File", "Source", "Status", "Imported / updated / skipped / suppressed / errors", "Started", "Finished"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}));
        body.replaceChildren(h("div", { class: "scroll" }, table));
      }
      table.tBodies[0].append(...rows);
      cursor = page.meta.next_cursor;
      body.querySelector(".more")?.remove();
      if (page.meta.has_more) body.append(h("button", { type: "button", class: "more", onclick: () => load(true) }, "Load more"));
    } catch (e) {
      body.replaceChildren(h("p", { class: "form-error", role: "alert" }, e.message));
    }
  }
  return { el, ready: load(false) };
}

// ---- new import wizard -------------------------------------------------------------------------

export function newImport() {
  const state = { file: null, text: null, options: null, columnMap: [], targets: {}, preview: null };
  const el = h("section", {});
  const stepNames = ["File and options", "Mapping", "Preview"];

  function steps(active) {
    return h("ol", { class: "steps", "aria-label": "Import steps" },
      stepNames.map((name, i) => h("li", { "aria-current": i === active ? "step" : null, class: i < active ? "done" : "" }, name)));
  }

  // step 1: the file and the options
  function stepFile() {
    const fileInput = h("input", { type: "file", name: "file", accept: TYPES.join(",") + ",text/csv" });
    const drop = h("div", { class: "drop", tabindex: "-1" }, h("p", {}, "Drag a CSV file here, or choose one:"));
    const chosen = h("p", { class: "chosen", "aria-live": "polite" }, state.file ? `Chosen: ${state.file.name}` : "");
    const purpose = h("select", { name: "purpose" }, ["upsert", "create", "update"].map((p) => h("option", { value: p }, p)));
    const identifier = h("select", { name: "identifier" }, ["email", "phone", "contact_id"].map((p) => h("option", { value: p }, p)));
    const noOverwrite = h("input", { type: "checkbox", name: "no_overwrite" });
    const dnt = h("input", { type: "checkbox", name: "dnt" });
    const tags = h("input", { type: "text", name: "tags", placeholder: "webinar, q3" });
    const client = h("input", { type: "text", name: "client" });
    const priority = h("input", { type: "number", name: "priority", min: "0", max: "1000", value: "0" });
    const days = h("input", { type: "number", name: "assignment_days", min: "1", max: "3650" });
    const enrich = h("input", { type: "checkbox", name: "trigger_enrichment" });
    const enrichLimit = h("input", { type: "number", name: "enrich_limit", min: "0", disabled: true });
    enrich.addEventListener("change", () => { enrichLimit.disabled = !enrich.checked; });
    const mappingSel = h("select", { name: "field_mapping_id" }, h("option", { value: "" }, "Detect from the headers"));
    api("GET", "/field-mappings").then((list) => {
      for (const m of list.data) mappingSel.append(h("option", { value: m.id }, m.name));
    }).catch(() => {});
    const form = h("form", { class: "card", novalidate: true },
      formError(),
      h("fieldset", {}, h("legend", {}, "File"), drop, field("CSV file", fileInput, { field: "file", hint: `CSV up to ${MAX_BYTES / 1e6} MB` }), chosen),
      h("fieldset", { class: "grid" }, h("legend", {}, "Options"),
        field("Purpose", purpose, { field: "purpose" }),
        field("Identifier", identifier, { field: "identifier" }),
        field("Tags (comma-separated)", tags, { field: "tags" }),
        field("Client (agency mode)", client, { field: "client" }),
        field("Priority", priority, { field: "priority" }),
        field("Assignment days", days, { field: "assignment_days" }),
        field("Saved mapping", mappingSel, { field: "field_mapping_id" }),
        h("div", { class: "checks" },
          h("label", {}, noOverwrite, " Do not overwrite stored values"),
          h("label", {}, dnt, " Flag every contact Do Not Touch"),
          h("label", {}, enrich, " Enrich new contacts")),
        field("Enrichment limit", enrichLimit, { field: "enrich_limit", hint: "At most this many provider calls; empty: no limit" }),
      ),
      h("button", { type: "submit" }, "Next: mapping"));

    function choose(file) {
      clearErrors(form);
      const lower = file.name.toLowerCase();
      if (!TYPES.some((t) => lower.endsWith(t))) {
        showError(form, new ApiError(400, "validation_error", `${file.name} is not a CSV file (${TYPES.join(", ")})`, "file"));
        return;
      }
      if (file.size > MAX_BYTES) {
        showError(form, new ApiError(400, "validation_error", `${file.name} is ${(file.size / 1e6).toFixed(1)} MB; the limit is ${MAX_BYTES / 1e6} MB`, "file"));
        return;
      }
      if (file.size === 0) {
        showError(form, new ApiError(400, "validation_error", `${file.name} is empty`, "file"));
        return;
      }
      state.file = file;
      chosen.textContent = `Chosen: ${file.name} (${file.size.toLocaleString()} bytes)`;
    }
    fileInput.addEventListener("change", () => fileInput.files[0] && choose(fileInput.files[0]));
    for (const name of ["dragenter", "dragover"]) drop.addEventListener(name, (ev) => { ev.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (ev) => {
      ev.preventDefault();
      drop.classList.remove("over");
      const f = ev.dataTransfer.files[0];
      if (f) choose(f);
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      if (!state.file) {
        showError(form, new ApiError(400, "validation_error", "Choose a CSV file first", "file"));
        return;
      }
      const options = {
        purpose: purpose.value,
        identifier: identifier.value,
        no_overwrite: noOverwrite.checked,
        dnt: dnt.checked,
        trigger_enrichment: enrich.checked,
        tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
        priority: Number(priority.value || 0),
      };
      if (client.value.trim()) options.client = client.value.trim();
      if (days.value) options.assignment_days = Number(days.value);
      if (mappingSel.value) options.field_mapping_id = mappingSel.value;
      if (enrich.checked && enrichLimit.value !== "") options.enrich_limit = Number(enrichLimit.value);
      state.options = options;
      state.targets = {};
      state.text = await state.file.text();
      try {
        // what a column can map to, from the API (standard fields and the workspace's custom ones)
        state.fields = await api("GET", "/fields");
      } catch (e) {
        showError(form, e);
        return;
      }
      await runPreview(form, stepMapping);
    });
    el.replaceChildren(h("h1", {}, "New import"), steps(0), form);
  }

  function currentOptions() {
    const options = { ...state.options };
    if (Object.keys(state.targets).length) {
      delete options.field_mapping_id;
      const columns = {};
      for (const entry of state.columnMap) columns[entry.header] = entry.header in state.targets ? state.targets[entry.header] : entry.target;
      options.mapping = { columns };
    }
    return options;
  }

  async function runPreview(form, next) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    announce("Reading the file…");
    try {
      const out = await api("POST", "/imports/preview", { content: state.text, options: currentOptions() });
      state.preview = out;
      if (!Object.keys(state.targets).length) state.columnMap = out.column_map;
      announce("");
      next();
    } catch (e) {
      showError(form, e);
    } finally {
      button.disabled = false;
    }
  }

  // step 2: the column map, changeable
  function stepMapping() {
    const map = state.columnMap;
    const taken = () => new Set(map.map((c) => (c.header in state.targets ? state.targets[c.header] : c.target)).filter(Boolean));
    const rows = map.map((c) => {
      const now = c.header in state.targets ? state.targets[c.header] : c.target;
      const select = h("select", { name: `target-${c.column}`, "data-header": c.header, "aria-label": `Target for ${c.header}` },
        h("option", { value: "" }, "Don't import"),
        h("optgroup", { label: "Standard fields" }, state.fields.standard.map((f) => h("option", { value: f, selected: f === now }, f))),
        state.fields.custom.length
          ? h("optgroup", { label: "Custom fields" }, state.fields.custom.map((f) => h("option", { value: `custom:${f.name}`, selected: `custom:${f.name}` === now }, f.display_label || f.name)))
          : null,
        now && now.startsWith("custom:") && !state.fields.custom.some((f) => `custom:${f.name}` === now) ? h("option", { value: now, selected: true }, now) : null,
        h("option", { value: "__new" }, "New custom field…"));
      if (!now) select.value = "";
      const custom = h("input", { type: "text", name: `custom-${c.column}`, "aria-label": `New custom field name for ${c.header}`, hidden: true, placeholder: "field name" });
      select.addEventListener("change", () => {
        custom.hidden = select.value !== "__new";
        if (select.value === "__new") {
          custom.focus();
          return;
        }
        state.targets[c.header] = select.value || null;
        check();
      });
      custom.addEventListener("change", () => {
        state.targets[c.header] = custom.value.trim() ? `custom:${custom.value.trim()}` : null;
        check();
      });
      return h("tr", {},
        h("th", { scope: "row" }, c.header),
        h("td", { class: "samples", "data-label": "Samples" }, (c.samples || []).join(" · ") || "—"),
        h("td", {}, select, custom),
        h("td", { "data-label": "How decided" }, c.how, c.note ? h("span", { class: "hint" }, ` (${c.note})`) : null),
        h("td", { class: "num", "data-label": "Confidence" }, `${Math.round(c.confidence * 100)}%`));
    });
    const problem = h("p", { class: "form-error", role: "alert", "data-error-for": "" });
    function check() {
      const chosen = map.map((c) => (c.header in state.targets ? state.targets[c.header] : c.target)).filter(Boolean);
      const dupes = chosen.filter((t, i) => chosen.indexOf(t) !== i && t !== "tags");
      const identifier = state.options.identifier || "email";
      const msgs = [];
      if (dupes.length) msgs.push(`${[...new Set(dupes)].join(", ")} is chosen for more than one column`);
      if (!chosen.includes(identifier)) msgs.push(`No column is mapped to ${identifier}, the identifier`);
      problem.textContent = msgs.join(". ");
      return msgs.length === 0;
    }
    const saveName = h("input", { type: "text", name: "name" });
    const saveForm = h("form", { class: "inline", novalidate: true },
      field("Save this mapping as", saveName, { field: "name" }),
      h("button", { type: "submit", class: "secondary" }, "Save mapping"));
    saveForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(saveForm);
      const columns = {};
      for (const c of map) columns[c.header] = c.header in state.targets ? state.targets[c.header] : c.target;
      try {
        await api("POST", "/field-mappings", { name: saveName.value.trim(), columns });
        announce(`Mapping “${saveName.value.trim()}” saved`);
      } catch (e) {
        showError(saveForm, e);
      }
    });
    const form = h("form", { class: "card", novalidate: true },
      problem,
      // the caption sits outside the scrolling box: inside it, a wide table clipped it on a phone
      h("p", { class: "caption", id: "mapping-caption" }, `${state.file.name}: ${map.length} columns`),
      h("div", { class: "scroll" }, h("table", { class: "mapping", "aria-labelledby": "mapping-caption" },
        h("thead", {}, h("tr", {}, ["Column", "Samples", "Target", "How decided", "Confidence"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, rows))),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: stepFile }, "Back"),
        h("button", { type: "submit" }, "Next: preview")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (!check()) {
        announce(problem.textContent, true);
        return;
      }
      await runPreview(form, stepPreview);
    });
    el.replaceChildren(h("h1", {}, "Check the mapping"), steps(1), form, h("div", { class: "card" }, saveForm));
    check();
    void taken;
  }

  // step 3: predicted outcomes, then start: create the import, upload the file with progress
  function stepPreview() {
    const p = state.preview;
    const onlyProblems = h("input", { type: "checkbox", id: "problems-only" });
    const tbody = h("tbody", {});
    function fill() {
      const rows = p.rows.filter((r) => !onlyProblems.checked || r.status !== "imported" && r.status !== "updated");
      tbody.replaceChildren(...rows.map((r) => h("tr", { class: `outcome-${r.status}` },
        h("th", { scope: "row", class: "num" }, String(r.row)), h("td", { "data-label": "Email" }, r.email || "—"),
        h("td", { "data-label": "Outcome" }, h("span", { class: `badge ${r.status}` }, r.status)),
        h("td", { "data-label": "Reason" }, r.reason || "—"), h("td", { "data-label": "Tier" }, r.icp_tier || "—"),
        h("td", { class: "num", "data-label": "Score" }, r.lead_score ?? "—"), h("td", { "data-label": "Grade" }, r.grade || "—"),
        h("td", { "data-label": "Owner" }, r.owner || "—"))));
      announce(`${rows.length} rows shown`);
    }
    onlyProblems.addEventListener("change", fill);
    const progress = h("progress", { max: "100", value: "0", id: "upload-progress", "aria-label": "Upload progress" });
    const progressWrap = h("div", { class: "upload", hidden: true }, h("label", { for: "upload-progress" }, "Uploading"), progress);
    const form = h("form", { class: "card", novalidate: true },
      formError(),
      h("dl", { class: "counters", id: "predicted" }, OUTCOMES.map((k) => h("div", {}, h("dt", {}, k), h("dd", { "data-outcome": k }, String(p.predicted[k] ?? 0))))),
      p.warnings.length ? h("ul", { class: "warnings" }, p.warnings.map((w) => h("li", {}, w))) : null,
      enrichment(p.enrichment, state.options.enrich_limit),
      h("label", { class: "check" }, onlyProblems, " Problems only"),
      h("p", { class: "caption", id: "preview-caption" }, `The first ${p.rows.length} rows and what will happen to them`),
      h("div", { class: "scroll" }, h("table", { class: "cards preview", "aria-labelledby": "preview-caption" },
        h("thead", {}, h("tr", {}, ["Row", "Email", "Outcome", "Reason", "Tier", "Score", "Grade", "Owner"].map((t) => h("th", { scope: "col" }, t)))),
        tbody)),
      progressWrap,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: stepMapping }, "Back"),
        h("button", { type: "submit" }, "Start import")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const job = await api("POST", "/imports", { filename: state.file.name, options: currentOptions() });
        progressWrap.hidden = false;
        announce("Uploading the file…");
        await uploadFile(job.upload, state.file, (f) => { progress.value = Math.round(f * 100); });
        announce("Uploaded; the import is starting", false, { carry: true });
        location.hash = `#/imports/${encodeURIComponent(job.id)}`;
      } catch (e) {
        showError(form, e);
        button.disabled = false;
      }
    });
    fill();
    el.replaceChildren(h("h1", {}, "Preview"), steps(2), form);
  }

  stepFile();
  return { el };
}

// what enriching the previewed rows would cost now (the API's projection, the limit applied)
function enrichment(e, limit) {
  if (!e) return null;
  const items = [["Provider", e.provider], ["Provider calls", e.projected_calls], ["Max credits", e.max_credits]];
  if (e.email_lookups) items.push(["Email lookups", e.email_lookups]);
  if (e.company_searches) items.push(["Company searches", e.company_searches]);
  return h("section", { class: "enrichment", "aria-labelledby": "enrich-h", id: "enrichment" },
    h("h2", { id: "enrich-h" }, "Enrichment"),
    h("dl", { class: "counters" }, items.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, String(v))))),
    h("p", { class: "hint" }, `For the ${e.rows} previewed rows that would be enriched${limit !== undefined ? `, at most ${limit} calls (the limit)` : ""}. `
      + (e.credits_per_call ? `Each match costs ${e.credits_per_call} credit${e.credits_per_call === 1 ? "" : "s"}; misses may cost less.` : "This provider costs no credits.")));
}

// ---- one import: live progress, then results -----------------------------------------------------

export function importView(id) {
  const el = h("section", {}, h("h1", {}, "Import"), h("p", {}, "Loading…"));
  let timer = null;
  let stopped = false;
  let delay = 1000;
  let lastChange = Date.now();
  let lastKey = "";

  async function download(kind) {
    try {
      const link = await api("GET", `/imports/${encodeURIComponent(id)}/${kind}`);
      await saveUrl(link.url, link.filename);
      announce(`Downloaded ${link.filename}`);
    } catch (e) {
      announce(`The ${kind} file could not be downloaded: ${e.message}`, true);
    }
  }

  function draw(job) {
    const rank = STAGES.indexOf(job.stage);
    const stages = h("ol", { class: "stages" }, STAGES.map((s, i) => h("li", {
      class: i < rank || job.status === "complete" ? "done" : i === rank ? "current" : "",
      "aria-current": i === rank && job.status !== "complete" ? "step" : null,
    }, s)));
    const parts = [
      h("h1", {}, job.status === "complete" ? "Import results" : "Import in progress"),
      h("p", { class: "meta" }, `${job.filename || job.id} · `, statusBadge(job), ` · started ${fmtDate(job.created_at)}`),
    ];
    if (job.status !== "complete" && job.status !== "failed" && job.status !== "rejected") {
      parts.push(stages, h("progress", { max: "100", value: String(job.percent_done), "aria-label": "Rows done" }), h("p", {}, `${job.percent_done}% done`));
      if (Date.now() - lastChange > 120000) parts.push(h("p", { class: "warn" }, "No progress for over two minutes: the import may be stuck."));
    }
    parts.push(h("h2", {}, "Counters"), counters(job.counters));
    if (job.warnings?.length) parts.push(h("ul", { class: "warnings" }, job.warnings.map((w) => h("li", {}, w))));
    if (job.status === "failed" || job.status === "rejected") {
      parts.push(h("p", { class: "form-error", role: "alert" }, job.error || "The import failed"));
      if (job.status === "failed") {
        parts.push(h("button", { type: "button", onclick: async () => {
          try {
            await api("POST", `/imports/${encodeURIComponent(id)}/resume`);
            announce("Resumed");
            delay = 1000;
            poll();
          } catch (e) { announce(e.message, true); }
        } }, "Resume"));
      }
    }
    if (job.reports_available) {
      parts.push(h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => download("results") }, "Download results CSV"),
        h("button", { type: "button", class: "secondary", onclick: () => download("errors") }, "Download errors CSV")));
      // every contact an import touches carries its tag, import:<job id>
      parts.push(h("p", {}, h("a", { href: `#/contacts?tag=${encodeURIComponent(`import:${job.id}`)}` }, "View these contacts")));
    }
    el.replaceChildren(...parts);
  }

  async function poll() {
    if (stopped) return;
    try {
      const job = await api("GET", `/imports/${encodeURIComponent(id)}`);
      const key = `${job.status}/${job.stage}/${job.percent_done}`;
      if (key !== lastKey) {
        if (lastKey) announce(`Import ${job.status === "running" ? job.stage : job.status}`);
        lastKey = key;
        lastChange = Date.now();
        delay = 1000;
      } else delay = Math.min(delay * 1.5, 10000);
      draw(job);
      const done = job.status === "complete" ? job.reports_available : job.status === "failed" || job.status === "rejected";
      if (!done && !stopped) timer = setTimeout(poll, delay);
    } catch (e) {
      el.replaceChildren(h("h1", {}, "Import"), h("p", { class: "form-error", role: "alert" }, e.message));
      if (e.status === 0 && !stopped) timer = setTimeout(poll, (delay = Math.min(delay * 2, 10000)));
    }
  }
  return { el, ready: poll(), stop: () => { stopped = true; clearTimeout(timer); } };
}
