// Contacts: a searchable, filterable, sortable list whose whole state lives in the URL, and one
// contact's detail.
import { api } from "./api.js";
import { announce, field, fmtDate, h } from "./dom.js";

const FILTERS = ["search", "icp_tier", "grade", "tag", "sort"];
const SORTS = [["created_desc", "Newest first"], ["created_asc", "Oldest first"], ["updated_desc", "Recently updated"], ["lead_score_desc", "Highest score"]];

function name(c) {
  return c.full_name || [c.first_name, c.last_name].filter(Boolean).join(" ") || "—";
}

export function contactsList(params) {
  const state = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) || ""]));
  const cursor = params.get("cursor") || "";
  const search = h("input", { type: "search", name: "search", value: state.search });
  const tier = h("select", { name: "icp_tier" }, h("option", { value: "" }, "Any"), ["A", "B", "C", "D"].map((t) => h("option", { value: t, selected: t === state.icp_tier }, t)));
  const grade = h("input", { type: "text", name: "grade", value: state.grade, placeholder: "e.g. A,B" });
  const tag = h("input", { type: "text", name: "tag", value: state.tag, placeholder: "e.g. webinar" });
  const sort = h("select", { name: "sort" }, SORTS.map(([v, t]) => h("option", { value: v, selected: v === (state.sort || "created_desc") }, t)));
  const form = h("form", { class: "filters card", role: "search", novalidate: true },
    field("Search", search, { field: "search", hint: "Email, name or company" }),
    field("ICP tier", tier, { field: "icp_tier" }),
    field("Grade", grade, { field: "grade" }),
    field("Tag", tag, { field: "tag" }),
    field("Sort", sort, { field: "sort" }),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Apply"), h("a", { href: "#/contacts", class: "button secondary" }, "Clear")),
    h("p", { class: "form-error", role: "alert", "data-error-for": "" }));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of [["search", search.value.trim()], ["icp_tier", tier.value], ["grade", grade.value.trim()], ["tag", tag.value.trim()], ["sort", sort.value === "created_desc" ? "" : sort.value]]) if (v) q.set(k, v);
    location.hash = `#/contacts${q.toString() ? `?${q}` : ""}`;
  });
  const results = h("div", { "aria-busy": "true" }, h("p", {}, "Loading contacts…"));
  const el = h("section", {}, h("h1", {}, "Contacts"), form, results);

  async function load() {
    const q = new URLSearchParams({ page_size: "50" });
    for (const k of FILTERS) if (state[k]) q.set(k, state[k]);
    if (cursor) q.set("cursor", cursor);
    try {
      const page = await api("GET", `/contacts?${q}`);
      const total = page.meta.total_count;
      const rows = page.data.map((c) => h("tr", {},
        h("td", {}, h("a", { href: `#/contacts/${encodeURIComponent(c.id)}` }, c.email)),
        h("td", {}, name(c)),
        h("td", {}, c.company?.name || "—"),
        h("td", {}, c.icp_tier || "—"),
        h("td", { class: "num" }, c.lead_score ?? "—"),
        h("td", {}, c.grade || "—"),
        h("td", {}, c.owner_email || c.client_id || "—")));
      const pager = h("nav", { class: "actions", "aria-label": "Pages" });
      if (cursor) {
        const first = new URLSearchParams(params);
        first.delete("cursor");
        pager.append(h("a", { class: "button secondary", href: `#/contacts${first.toString() ? `?${first}` : ""}` }, "First page"));
      }
      if (page.meta.has_more && page.meta.next_cursor) {
        const next = new URLSearchParams(params);
        next.set("cursor", page.meta.next_cursor);
        pager.append(h("a", { class: "button", href: `#/contacts?${next}` }, "Next page"));
      }
      results.replaceChildren(
        h("p", { id: "total", class: "total" }, `${total.toLocaleString()} contact${total === 1 ? "" : "s"}`),
        rows.length
          ? h("div", { class: "scroll" }, h("table", { id: "contacts" },
              h("caption", { class: "sr-only" }, "Contacts"),
              h("thead", {}, h("tr", {}, ["Email", "Name", "Company", "Tier", "Score", "Grade", "Owner"].map((t) => h("th", { scope: "col" }, t)))),
              h("tbody", {}, rows)))
          : h("p", {}, "No contacts match."),
        pager);
      results.setAttribute("aria-busy", "false");
      announce(`${total} contacts`);
    } catch (e) {
      results.setAttribute("aria-busy", "false");
      results.replaceChildren();
      const slot = e.field && form.querySelector(`[data-error-for="${CSS.escape(e.field)}"]`);
      (slot || form.querySelector("[data-error-for='']")).textContent = e.message;
      announce(e.message, true);
    }
  }
  return { el, ready: load() };
}

function dl(pairs) {
  return h("dl", { class: "props" }, pairs.filter(([, v]) => v !== undefined).map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v === null || v === "" ? "—" : v))));
}

export function contactDetail(id) {
  const el = h("section", {}, h("h1", {}, "Contact"), h("p", {}, "Loading…"));
  async function load() {
    try {
      const c = await api("GET", `/contacts/${encodeURIComponent(id)}`);
      const parts = [
        h("p", {}, h("a", { href: "#/contacts" }, "← Contacts")),
        h("h1", {}, name(c) === "—" ? c.email : name(c)),
        h("div", { class: "cols" },
          h("section", { class: "card" }, h("h2", {}, "Profile"), dl([
            ["Email", c.email], ["Title", c.title], ["Department", c.department], ["Seniority", c.seniority],
            ["Phone", c.phone], ["Mobile", c.mobile], ["LinkedIn", c.linkedin_url],
            ["Location", [c.city, c.state, c.country].filter(Boolean).join(", ")], ["Time zone", c.time_zone],
            ["Created", fmtDate(c.created_at)], ["Updated", fmtDate(c.updated_at)],
          ])),
          h("section", { class: "card" }, h("h2", {}, "Company"), dl([
            ["Name", c.company?.name], ["Domain", c.company?.domain], ["Industry", c.company?.industry],
            ["Employees", c.company?.employee_count], ["Revenue", c.company?.revenue_band],
          ])),
          h("section", { class: "card" }, h("h2", {}, "Qualification"), dl([
            ["ICP tier", c.icp_tier], ["Lead score", c.lead_score], ["Grade", c.grade],
            ["Owner", c.owner_email], ["Client", c.client_id], ["Do Not Touch", c.dnt ? "yes" : "no"],
            ["Enriched", c.is_enriched ? "yes" : "no"], ["Deleted", c.is_deleted ? `yes (${c.deletion_reason || "no reason"})` : "no"],
          ]),
          c.score_breakdown ? h("details", {}, h("summary", {}, "Score breakdown"), h("pre", {}, JSON.stringify(c.score_breakdown, null, 2))) : null),
          h("section", { class: "card" }, h("h2", {}, "Tags"),
            c.tags.length ? h("ul", { class: "tags" }, c.tags.map((t) => h("li", {}, h("a", { href: `#/contacts?tag=${encodeURIComponent(t)}` }, t)))) : h("p", {}, "No tags"),
            h("h2", {}, "Custom fields"),
            Object.keys(c.custom_fields || {}).length ? dl(Object.entries(c.custom_fields).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)])) : h("p", {}, "None")),
        ),
      ];
      el.replaceChildren(...parts);
      document.title = `${c.email} · Contact Import`;
      try {
        const own = await api("GET", `/assignments?email=${encodeURIComponent(c.email)}`);
        el.querySelector(".cols").append(h("section", { class: "card" }, h("h2", {}, "Ownership"), dl([
          ["Active client", own.active ? `${own.active.client_id}` : null], ["Blocked until", fmtDate(own.blocked_until)],
          ["History", String(own.history.length)],
        ])));
      } catch {
        // the key may lack the scope: ownership is not shown
      }
    } catch (e) {
      el.replaceChildren(h("h1", {}, "Contact"), h("p", { class: "form-error", role: "alert" }, e.message));
      announce(e.message, true);
    }
  }
  return { el, ready: load() };
}
