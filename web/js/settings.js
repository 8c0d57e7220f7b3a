// Settings: suppression lists (email or @domain; add, remove, reason), ICP tier rules and the
// scoring model (JSON documents, errors shown by the field the API names), custom fields, saved
// mappings, CRM connections and API keys.
import { api } from "./api.js";
import { announce, clearErrors, field, fmtDate, formError, h, showError, twoStepButton } from "./dom.js";

export const REASONS = ["manual", "opt_out", "unsubscribe", "hard_bounce", "spam_complaint", "compliance"];

export function settings() {
  const value = h("input", { type: "text", name: "value", placeholder: "person@example.com or @example.com" });
  const reason = h("select", { name: "reason" }, REASONS.map((r) => h("option", { value: r }, r)));
  const form = h("form", { class: "card inline", novalidate: true, id: "suppression-form" },
    formError(),
    field("Email or @domain", value, { field: "value" }),
    field("Reason", reason, { field: "reason" }),
    h("button", { type: "submit" }, "Add suppression"));
  const list = h("div", {}, h("p", {}, "Loading…"));
  const icp = jsonDocument("ICP tier rules", "icp", "/config/icp-rules",
    "Ordered rules: the first whose conditions all match sets the tier; no match is tier D.");
  const scoring = jsonDocument("Scoring model", "scoring", "/config/scoring-model",
    "Weights, fit criteria and grade thresholds (the defaults until you save one).");
  const customs = customFields();
  const mappings = savedMappings();
  const keys = providerKeys();
  const crm = connections();
  const apiKeys = apiKeysSection();
  const el = h("section", {}, h("h1", {}, "Settings"),
    h("nav", { "aria-label": "Settings sections", class: "toc" },
      h("a", { href: "#suppressions-h" }, "Suppressions"), h("a", { href: "#icp-h" }, "ICP tiers"),
      h("a", { href: "#scoring-h" }, "Scoring"), h("a", { href: "#custom-fields-h" }, "Custom fields"),
      h("a", { href: "#mappings-h" }, "Saved mappings"), h("a", { href: "#provider-keys-h" }, "Provider keys"),
      h("a", { href: "#connections-h" }, "CRM connections"), h("a", { href: "#api-keys-h" }, "API keys")),
    h("h2", { id: "suppressions-h", tabindex: "-1" }, "Suppressions"),
    h("p", {}, "Emails and domains listed here are never imported: a matching row ends as suppressed."), form, list,
    icp.el, scoring.el, customs.el, mappings.el, keys.el, crm.el, apiKeys.el);
  // in-page links: the hash routes the app, so scroll to the section instead of navigating
  el.querySelector("nav.toc").addEventListener("click", (ev) => {
    const a = ev.target.closest("a");
    if (!a) return;
    ev.preventDefault();
    const target = el.querySelector(a.getAttribute("href"));
    target.scrollIntoView();
    target.focus();
  });

  async function load() {
    try {
      const page = await api("GET", "/suppressions?page_size=100");
      list.replaceChildren(page.data.length
        ? h("div", { class: "scroll" }, h("table", { id: "suppressions" },
            h("caption", { class: "sr-only" }, "Suppressions"),
            h("thead", {}, h("tr", {}, ["Value", "Kind", "Reason", "Added", ""].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, page.data.map((s) => h("tr", {}, h("td", {}, s.value), h("td", {}, s.kind), h("td", {}, s.reason || "—"), h("td", {}, fmtDate(s.created_at)),
              h("td", {}, s.scope === "workspace" ? h("button", { type: "button", class: "secondary", "aria-label": `Remove ${s.value}`, onclick: async () => {
                try {
                  await api("DELETE", `/suppressions/${encodeURIComponent(s.value)}`);
                  announce(`${s.value} removed`);
                  load();
                } catch (e) { announce(e.message, true); }
              } }, "Remove") : "global"))))))
        : h("p", {}, "No suppressions yet."));
    } catch (e) {
      list.replaceChildren(h("p", { class: "form-error", role: "alert" }, e.message));
    }
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      const out = await api("POST", "/suppressions", { value: value.value.trim(), reason: reason.value });
      announce(`${out.value} suppressed`);
      value.value = "";
      load();
    } catch (e) {
      showError(form, e);
    }
  });
  return { el, ready: Promise.all([load(), icp.ready, scoring.ready, customs.ready, mappings.ready, keys.ready, crm.ready, apiKeys.ready]) };
}

// unset (null) settings left out: what is shown is what was chosen
const pretty = (doc) => JSON.stringify(doc, (_k, v) => (v === null ? undefined : v), 2);

// A JSON-backed configuration document: shown, edited and replaced with PUT; an API error names
// the field it concerns (e.g. rules.0.tier), shown above the editor and announced.
function jsonDocument(title, id, path, hint) {
  const text = h("textarea", { name: id, rows: 14, spellcheck: "false", class: "code" });
  const form = h("form", { class: "card", novalidate: true, id: `${id}-form` },
    field(`${title} (JSON)`, text, { field: "", hint }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, `Save ${title}`)));
  const slot = form.querySelector(".field-error");
  function fail(message) {
    slot.textContent = message;
    text.setAttribute("aria-invalid", "true");
    text.focus();
    announce(message, true);
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    let doc;
    try {
      doc = JSON.parse(text.value);
    } catch (e) {
      fail(`Not valid JSON: ${e.message}`);
      return;
    }
    try {
      const saved = await api("PUT", path, doc);
      text.value = pretty(saved);
      announce(`${title} saved`);
    } catch (e) {
      fail(e.field ? `${e.field}: ${e.message}` : e.message);
    }
  });
  const ready = api("GET", path).then(
    (doc) => { text.value = pretty(doc); },
    (e) => { slot.textContent = e.message; });
  const el = h("div", {}, h("h2", { id: `${id}-h`, tabindex: "-1" }, title), form);
  return { el, ready };
}

const FIELD_TYPES = ["string", "number", "boolean", "date", "dropdown", "multi_select"]; // the API's FieldType

function customFields() {
  const name = h("input", { type: "text", name: "name", autocomplete: "off" });
  const label = h("input", { type: "text", name: "display_label", autocomplete: "off" });
  const type = h("select", { name: "field_type" }, FIELD_TYPES.map((t) => h("option", { value: t }, t)));
  const form = h("form", { class: "card inline", novalidate: true, id: "custom-field-form" },
    formError(),
    field("Field name", name, { field: "name", hint: "Letters, digits and _; starts with a letter" }),
    field("Label", label, { field: "display_label" }),
    field("Type", type, { field: "field_type" }),
    h("button", { type: "submit" }, "Add custom field"));
  const list = h("div", {});
  async function load() {
    try {
      const page = await api("GET", "/custom-fields");
      list.replaceChildren(page.data.length
        ? h("div", { class: "scroll" }, h("table", { id: "custom-fields" },
            h("caption", { class: "sr-only" }, "Custom fields"),
            h("thead", {}, h("tr", {}, ["Name", "Label", "Type", "Options", ""].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, page.data.map((f) => h("tr", {}, h("td", {}, f.name), h("td", {}, f.display_label || "—"), h("td", {}, f.field_type),
              h("td", {}, (f.options || []).join(", ") || "—"),
              h("td", {}, removeButton(`custom field ${f.name}`, `/custom-fields/${encodeURIComponent(f.name)}`, load)))))))
        : h("p", {}, "No custom fields yet: an import can create them from its mapping."));
    } catch (e) {
      list.replaceChildren(h("p", { class: "form-error", role: "alert" }, e.message));
    }
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { name: name.value.trim(), field_type: type.value };
    if (label.value.trim()) body.display_label = label.value.trim();
    try {
      await api("POST", "/custom-fields", body);
      announce(`Custom field ${body.name} added`);
      name.value = "";
      label.value = "";
      load();
    } catch (e) {
      showError(form, e);
    }
  });
  const el = h("div", {}, h("h2", { id: "custom-fields-h", tabindex: "-1" }, "Custom fields"), form, list);
  return { el, ready: load() };
}

function removeButton(what, path, reload) {
  return h("button", { type: "button", class: "secondary", "aria-label": `Remove ${what}`, onclick: async () => {
    try {
      await api("DELETE", path);
      announce(`Removed ${what}`);
      reload();
    } catch (e) { announce(e.message, true); }
  } }, "Remove");
}

function savedMappings() {
  const list = h("div", {});
  async function load() {
    try {
      const page = await api("GET", "/field-mappings");
      list.replaceChildren(page.data.length
        ? h("div", { class: "scroll" }, h("table", { id: "mappings" },
            h("caption", { class: "sr-only" }, "Saved mappings"),
            h("thead", {}, h("tr", {}, ["Name", "Columns", "Saved", ""].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, page.data.map((m) => h("tr", {}, h("td", {}, m.name),
              h("td", { class: "samples" }, Object.entries(m.columns).map(([col, target]) => `${col} → ${target || "(not imported)"}`).join(" · ")),
              h("td", {}, fmtDate(m.created_at)),
              h("td", {}, removeButton(`mapping ${m.name}`, `/field-mappings/${encodeURIComponent(m.id)}`, load)))))))
        : h("p", {}, "No saved mappings: save one from an import's mapping step."));
    } catch (e) {
      list.replaceChildren(h("p", { class: "form-error", role: "alert" }, e.message));
    }
  }
  const el = h("div", {}, h("h2", { id: "mappings-h", tabindex: "-1" }, "Saved mappings"), h("div", { class: "card" }, list));
  return { el, ready: load() };
}

// The workspace's own enrichment keys: set or replaced, never shown (the API returns only is_set).
function providerKeys() {
  const list = h("div", { id: "provider-keys" });
  async function load() {
    try {
      const page = await api("GET", "/provider-keys");
      list.replaceChildren(...page.data.map((p) => {
        const input = h("input", { type: "password", name: "key", autocomplete: "off", spellcheck: "false" });
        const form = h("form", { class: "inline", novalidate: true },
          formError(),
          field(`${p.provider} key`, input, { field: "key", hint: p.is_set ? "A key is set; a new one replaces it" : "Not set: the platform's key is used" }),
          h("span", { class: `badge ${p.is_set ? "complete" : ""}` }, p.is_set ? "set" : "not set"),
          h("button", { type: "submit" }, `Save ${p.provider} key`));
        form.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          clearErrors(form);
          try {
            await api("PUT", `/provider-keys/${encodeURIComponent(p.provider)}`, { key: input.value.trim() });
            input.value = "";
            announce(`${p.provider} key saved`);
            load();
          } catch (e) {
            showError(form, e);
          }
        });
        return form;
      }));
    } catch (e) {
      list.replaceChildren(h("p", { class: "form-error", role: "alert" }, e.message));
    }
  }
  const el = h("div", {}, h("h2", { id: "provider-keys-h", tabindex: "-1" }, "Enrichment provider keys"), h("div", { class: "card" }, list));
  return { el, ready: load() };
}

// CRM connections: connect (the token is pasted and never shown again), change the schedule
// (rate or cron, checked by the API), run a sync now, disconnect after a second click.
const CRMS = ["hubspot", "salesforce", "outreach"]; // the API's providers

function connections() {
  const provider = h("select", { name: "provider" }, CRMS.map((p) => h("option", { value: p }, p)));
  const token = h("input", { type: "password", name: "token", autocomplete: "off", spellcheck: "false" });
  const instance = h("input", { type: "text", name: "instance_url", autocomplete: "off", placeholder: "https://yourorg.my.salesforce.com" });
  const rate = h("input", { type: "text", name: "rate", autocomplete: "off", placeholder: "rate(1 hour)" });
  const instanceField = field("Salesforce URL", instance, { field: "instance_url" });
  instanceField.hidden = true;
  provider.addEventListener("change", () => { instanceField.hidden = provider.value !== "salesforce"; });
  const form = h("form", { class: "inline", novalidate: true, id: "connection-form" },
    formError(),
    field("CRM", provider, { field: "provider" }),
    field("Access token", token, { field: "token", hint: "Stored encrypted; never shown again" }),
    instanceField,
    field("Schedule", rate, { field: "rate", hint: "rate(N minutes|hours|days) or cron(…); empty: hourly" }),
    h("button", { type: "submit" }, "Connect"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { provider: provider.value, token: token.value.trim() };
    if (rate.value.trim()) body.rate = rate.value.trim();
    if (provider.value === "salesforce" && instance.value.trim()) body.instance_url = instance.value.trim();
    try {
      const made = await api("POST", "/connections", body);
      token.value = "";
      rate.value = "";
      announce(`${made.provider} connected`);
      load();
    } catch (e) {
      showError(form, e);
    }
  });
  const list = h("div", {});

  function scheduleForm(c) {
    const input = h("input", { type: "text", name: "rate", autocomplete: "off", value: c.rate, "aria-label": `Schedule of ${c.provider}` });
    const err = h("p", { class: "field-error", "data-error-for": "rate", id: `rate-${c.id}-err` });
    input.setAttribute("aria-describedby", err.id);
    const f = h("form", { class: "schedule", novalidate: true }, input, h("button", { type: "submit", class: "secondary" }, "Save"), err);
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      clearErrors(f);
      try {
        const out = await api("PATCH", `/connections/${encodeURIComponent(c.id)}`, { rate: input.value.trim() });
        announce(`${c.provider} syncs ${out.rate}`);
        load();
      } catch (e) {
        showError(f, e);
      }
    });
    return f;
  }

  function runButton(c) {
    return h("button", { type: "button", class: "secondary", "aria-label": `Run now: ${c.provider} sync`, onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const run = await api("POST", `/connections/${encodeURIComponent(c.id)}/run`);
        announce(`Sync ${run.status}${run.reason ? `: ${run.reason}` : ""}`);
        load();
      } catch (e) { announce(e.message, true); } finally { ev.target.disabled = false; }
    } }, "Run now");
  }

  function disconnectButton(c) {
    return twoStepButton("Disconnect", `Disconnect ${c.provider}`, "Confirm disconnect",
      `Confirm disconnect: ${c.provider}, its token and its schedule`, async () => {
        try {
          await api("DELETE", `/connections/${encodeURIComponent(c.id)}`);
          announce(`${c.provider} disconnected`);
          load();
        } catch (e) { announce(e.message, true); }
      });
  }

  async function load() {
    try {
      const page = await api("GET", "/connections");
      list.replaceChildren(page.data.length
        ? h("div", { class: "scroll" }, h("table", { id: "connections", class: "cards" },
            h("caption", { class: "sr-only" }, "CRM connections"),
            h("thead", {}, h("tr", {}, ["Provider", "Schedule", "Last run", "Watermark", ""].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, page.data.map((c) => h("tr", {}, h("td", {}, c.provider, c.instance_url ? h("span", { class: "hint" }, ` ${c.instance_url}`) : null),
              h("td", { "data-label": "Schedule" }, scheduleForm(c)),
              h("td", { "data-label": "Last run" }, c.last_run ? `${c.last_run.status || "—"} · ${fmtDate(c.last_run.at)}` : "never"),
              h("td", { "data-label": "Watermark" }, fmtDate(c.watermark)),
              h("td", {}, h("div", { class: "actions" }, runButton(c), disconnectButton(c))))))))
        : h("p", {}, "No CRM connections yet."));
    } catch (e) {
      list.replaceChildren(h("p", { class: e.status === 403 ? "meta" : "form-error" }, e.message));
    }
  }
  const el = h("div", {}, h("h2", { id: "connections-h", tabindex: "-1" }, "CRM connections"), h("div", { class: "card" }, form, list));
  return { el, ready: load() };
}

// The workspace's API keys (admin:keys): create one with some of this key's own scopes (the key
// is shown once, here), list them without the secret, revoke one after a second click.
function apiKeysSection() {
  const name = h("input", { type: "text", name: "name", autocomplete: "off", placeholder: "e.g. nightly-sync" });
  const scopes = h("fieldset", { class: "checks scope-grid", "aria-describedby": "key-scopes-err" }, h("legend", {}, "Scopes"));
  const scopesErr = h("p", { class: "field-error", id: "key-scopes-err", "data-error-for": "scopes" });
  const made = h("div", { id: "new-key", "aria-live": "polite" });
  const form = h("form", { novalidate: true, id: "api-key-form" },
    formError(),
    field("Key name", name, { field: "name", hint: "Optional; helps you tell keys apart" }),
    h("div", { class: "field" }, scopes, scopesErr),
    h("button", { type: "submit" }, "Create API key"));
  const list = h("div", {});
  const body = h("div", { class: "card" }, form, made, list);

  async function load() {
    try {
      const page = await api("GET", "/api-keys");
      if (!scopes.querySelector("input")) {
        scopes.append(...page.grantable.map((sc) => h("label", {}, h("input", { type: "checkbox", name: "scope", value: sc }), ` ${sc}`)));
      }
      list.replaceChildren(page.data.length
        ? h("div", { class: "scroll" }, h("table", { id: "api-keys", class: "cards" },
            h("caption", { class: "sr-only" }, "API keys"),
            h("thead", {}, h("tr", {}, ["Name", "Key", "Scopes", "Created", "Last used", ""].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, page.data.map((k) => h("tr", {},
              h("td", {}, k.name || k.id), h("td", { "data-label": "Key" }, k.prefix ? `${k.prefix}…` : "—"),
              h("td", { "data-label": "Scopes" }, k.scopes.join(", ")),
              h("td", { "data-label": "Created" }, fmtDate(k.created_at)), h("td", { "data-label": "Last used" }, k.last_used_at ? fmtDate(k.last_used_at) : "never"),
              h("td", {}, revokeButton(k)))))))
        : h("p", {}, "No API keys listed yet."));
    } catch (e) {
      // a key without admin:keys cannot manage keys: say so instead of the form
      body.replaceChildren(h("p", { class: e.status === 403 ? "meta" : "form-error" }, e.message));
    }
  }

  function revokeButton(k) {
    const label = k.name || k.id;
    return twoStepButton("Revoke", `Revoke ${label}`, "Confirm revoke", `Confirm revoke: ${label}; requests with it fail at once`, async () => {
      try {
        await api("DELETE", `/api-keys/${encodeURIComponent(k.id)}`);
        announce(`API key ${label} revoked`);
        load();
      } catch (e) {
        announce(e.message, true);
      }
    });
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    made.replaceChildren();
    const chosen = [...scopes.querySelectorAll("input:checked")].map((i) => i.value);
    const req = { scopes: chosen };
    if (name.value.trim()) req.name = name.value.trim();
    try {
      const out = await api("POST", "/api-keys", req);
      const shown = h("input", { type: "text", readonly: true, value: out.key, id: "new-key-value", spellcheck: "false" });
      made.replaceChildren(h("div", { class: "confirm" },
        field(`New key “${out.name}” (shown this once: copy it now)`, shown, { hint: "Only its hash is stored; it cannot be shown again." })));
      shown.select();
      name.value = "";
      for (const box of scopes.querySelectorAll("input")) box.checked = false;
      announce(`API key ${out.name} created; copy it now`);
      load();
    } catch (e) {
      showError(form, e);
    }
  });
  const el = h("div", {}, h("h2", { id: "api-keys-h", tabindex: "-1" }, "API keys"), body);
  return { el, ready: load() };
}
