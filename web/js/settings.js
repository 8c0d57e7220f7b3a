// Settings: suppression lists (email or @domain; add, remove, reason).
import { api } from "./api.js";
import { announce, clearErrors, field, fmtDate, formError, h, showError } from "./dom.js";

const REASONS = ["manual", "opt_out", "unsubscribe", "hard_bounce", "spam_complaint", "compliance"];

export function settings() {
  const value = h("input", { type: "text", name: "value", placeholder: "person@example.com or @example.com" });
  const reason = h("select", { name: "reason" }, REASONS.map((r) => h("option", { value: r }, r)));
  const form = h("form", { class: "card inline", novalidate: true, id: "suppression-form" },
    formError(),
    field("Email or @domain", value, { field: "value" }),
    field("Reason", reason, { field: "reason" }),
    h("button", { type: "submit" }, "Add suppression"));
  const list = h("div", {}, h("p", {}, "Loading…"));
  const el = h("section", {}, h("h1", {}, "Settings"), h("h2", {}, "Suppressions"),
    h("p", {}, "Emails and domains listed here are never imported: a matching row ends as suppressed."), form, list);

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
  return { el, ready: load() };
}
