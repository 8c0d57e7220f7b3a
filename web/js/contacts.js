// Contacts: a searchable, filterable, sortable list whose whole state lives in the URL, and one
// contact's detail.
import { api } from "./api.js";
import { bulkPanel } from "./bulk.js";
import { announce, clearErrors, field, fmtDate, formError, h, showError } from "./dom.js";

const FILTERS = ["search", "icp_tier", "grade", "tag", "segment_id", "created_after", "updated_after", "is_deleted", "sort"];
// what PATCH /contacts/{id} takes besides tags and custom fields (the API's ContactFields)
const EDITABLE = ["first_name", "last_name", "title", "department", "seniority", "phone", "mobile", "linkedin_url",
  "city", "state", "country", "time_zone", "lead_source", "company_name", "company_domain", "owner_email"];
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
  const segment = h("select", { name: "segment_id" }, h("option", { value: "" }, "Any"),
    state.segment_id ? h("option", { value: state.segment_id, selected: true }, state.segment_id) : null);
  const createdAfter = h("input", { type: "date", name: "created_after", value: state.created_after });
  const updatedAfter = h("input", { type: "date", name: "updated_after", value: state.updated_after });
  const deleted = h("input", { type: "checkbox", name: "is_deleted", checked: state.is_deleted === "true" });
  const form = h("form", { class: "filters card", id: "filters", role: "search", novalidate: true },
    field("Search", search, { field: "search", hint: "Email, name or company" }),
    field("ICP tier", tier, { field: "icp_tier" }),
    field("Grade", grade, { field: "grade" }),
    field("Tag", tag, { field: "tag" }),
    field("Segment", segment, { field: "segment_id" }),
    field("Created after", createdAfter, { field: "created_after" }),
    field("Updated after", updatedAfter, { field: "updated_after" }),
    field("Sort", sort, { field: "sort" }),
    h("div", { class: "field" }, h("label", { class: "check" }, deleted, " Deleted contacts only")),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Apply"), h("a", { href: "#/contacts", class: "button secondary" }, "Clear")),
    h("p", { class: "form-error", role: "alert", "data-error-for": "" }));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of [["search", search.value.trim()], ["icp_tier", tier.value], ["grade", grade.value.trim()], ["tag", tag.value.trim()],
      ["segment_id", segment.value], ["created_after", createdAfter.value], ["updated_after", updatedAfter.value],
      ["is_deleted", deleted.checked ? "true" : ""], ["sort", sort.value === "created_desc" ? "" : sort.value]]) if (v) q.set(k, v);
    location.hash = `#/contacts${q.toString() ? `?${q}` : ""}`;
  });
  // on a phone the long filter form folds behind one button (CSS shows the button there only)
  const active = FILTERS.filter((k) => k !== "sort" && state[k]).length;
  const box = h("div", { class: "filter-box" });
  const toggle = h("button", { type: "button", class: "secondary filters-toggle", "aria-expanded": "false", "aria-controls": "filters" },
    active ? `Filters (${active} active)` : "Filters");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    box.classList.toggle("open", open);
  });
  box.append(toggle, form);
  const listFilters = {};
  for (const k of FILTERS) if (k !== "sort" && state[k]) listFilters[k] = k === "is_deleted" ? state[k] === "true" : state[k];
  const bulk = bulkPanel({ listFilters, onChanged: () => load() });
  const results = h("div", { "aria-busy": "true" }, h("p", {}, "Loading contacts…"));
  const el = h("section", {}, h("h1", {}, "Contacts"), box, bulk.el, results);

  async function load() {
    const q = new URLSearchParams({ page_size: "50" });
    for (const k of FILTERS) if (state[k]) q.set(k, state[k]);
    if (cursor) q.set("cursor", cursor);
    try {
      const page = await api("GET", `/contacts?${q}`);
      const total = page.meta.total_count;
      const rows = page.data.map((c) => h("tr", {},
        h("td", { class: "pick" }, h("input", { type: "checkbox", "data-id": c.id, "aria-label": `Select ${c.email}`,
          onchange: (ev) => bulk.pick(c.id, ev.target.checked) })),
        h("td", { class: "email" }, h("a", { href: `#/contacts/${encodeURIComponent(c.id)}` }, c.email)),
        h("td", { "data-label": "Name" }, name(c)),
        h("td", { "data-label": "Company" }, c.company?.name || "—"),
        h("td", { "data-label": "Tier" }, c.icp_tier || "—"),
        h("td", { class: "num", "data-label": "Score" }, c.lead_score ?? "—"),
        h("td", { "data-label": "Grade" }, c.grade || "—"),
        h("td", { "data-label": "Owner" }, c.owner_email || c.client_id || "—")));
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
          ? h("div", { class: "scroll" }, h("table", { id: "contacts", class: "cards" },
              h("caption", { class: "sr-only" }, "Contacts"),
              h("thead", {}, h("tr", {},
                h("td", { class: "pick" }, h("input", { type: "checkbox", id: "pick-page", "aria-label": "Select every contact on this page",
                  onchange: (ev) => bulk.pickPage(ev.target.checked) })),
                ["Email", "Name", "Company", "Tier", "Score", "Grade", "Owner"].map((t) => h("th", { scope: "col" }, t)))),
              h("tbody", {}, rows)))
          : h("p", {}, "No contacts match."),
        pager);
      results.setAttribute("aria-busy", "false");
      bulk.setPage(page.data.map((c) => c.id), total,
        () => results.querySelectorAll("#contacts tbody input[type=checkbox]"), results.querySelector("#pick-page"));
      if (el.isConnected) announce(`${total} contacts`);
    } catch (e) {
      results.setAttribute("aria-busy", "false");
      results.replaceChildren();
      const slot = e.field && form.querySelector(`[data-error-for="${CSS.escape(e.field)}"]`);
      (slot || form.querySelector("[data-error-for='']")).textContent = e.message;
      announce(e.message, true);
    }
  }
  async function loadSegments() {
    try {
      const page = await api("GET", "/segments?page_size=100");
      segment.replaceChildren(h("option", { value: "" }, "Any"),
        ...page.data.map((sg) => h("option", { value: sg.id, selected: sg.id === state.segment_id }, sg.name)));
    } catch {
      // without segments (or the scope) the filter offers only "Any"
    }
  }
  return { el, ready: Promise.all([load(), loadSegments(), bulk.ready]), stop: bulk.stop };
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
      parts.push(activityCard(c), editCard(c, load));
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

// Inline edit through PATCH /contacts/{id}: one field at a time, or the whole tag list; an API
// error lands next to the field it names.
function editCard(c, reload) {
  const which = h("select", { name: "field" }, EDITABLE.map((f) => h("option", { value: f }, f)));
  const value = h("input", { type: "text", name: "value", autocomplete: "off", value: c[which.value] ?? "" });
  which.addEventListener("change", () => { value.value = c[which.value] ?? ""; });
  const fieldForm = h("form", { class: "inline", novalidate: true, id: "edit-field" },
    formError(),
    field("Field", which, { field: "field" }),
    field("Value", value, { field: "value", hint: "Empty clears it" }),
    h("button", { type: "submit" }, "Save field"));
  fieldForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(fieldForm);
    try {
      await api("PATCH", `/contacts/${encodeURIComponent(c.id)}`, { [which.value]: value.value.trim() || null });
      announce(`${which.value} saved`);
      reload();
    } catch (e) {
      // the API names the contact field; its value is this form's Value input
      showError(fieldForm, e.field === which.value ? { ...e, message: e.message, field: "value" } : e);
    }
  });
  const tags = h("input", { type: "text", name: "tags", autocomplete: "off", value: c.tags.join(", ") });
  const tagForm = h("form", { class: "inline", novalidate: true, id: "edit-tags" },
    formError(),
    field("Tags (comma-separated)", tags, { field: "tags" }),
    h("button", { type: "submit" }, "Save tags"));
  tagForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(tagForm);
    try {
      await api("PATCH", `/contacts/${encodeURIComponent(c.id)}`, { tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean) });
      announce("Tags saved");
      reload();
    } catch (e) {
      showError(tagForm, e);
    }
  });
  return h("section", { class: "card" }, h("h2", {}, "Edit"), fieldForm, tagForm);
}

// Engagement (the person's counters and the contact's timeline, newest first, paged) and the
// sequence enrollments the sequence engine reported.
function activityCard(c) {
  const e = c.engagement || {};
  const timeline = h("ol", { class: "timeline", id: "timeline", "aria-label": "Engagement timeline, newest first" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Older events");
  const enrollments = h("div", { id: "enrollments" }, h("p", {}, "Loading…"));
  let cursor = null;
  async function page() {
    try {
      const q = new URLSearchParams({ limit: "20" });
      if (cursor) q.set("cursor", cursor);
      const got = await api("GET", `/contacts/${encodeURIComponent(c.id)}/events?${q}`);
      timeline.append(...got.data.map((ev) => h("li", {},
        h("span", { class: `badge ${ev.type}` }, ev.type), " ", h("time", { datetime: ev.occurred_at }, fmtDate(ev.occurred_at)),
        ev.sequence_id || ev.campaign_id ? h("span", { class: "hint" }, ` ${ev.sequence_id ? `sequence ${ev.sequence_id}` : `campaign ${ev.campaign_id}`}`) : null)));
      if (!timeline.childElementCount) timeline.replaceWith(h("p", { id: "timeline" }, "No engagement yet."));
      cursor = got.meta.next_cursor;
      more.hidden = !got.meta.has_more;
    } catch (err) {
      timeline.replaceWith(h("p", { class: err.status === 403 ? "meta" : "form-error" }, err.message));
      more.hidden = true;
    }
  }
  more.addEventListener("click", page);
  async function loadEnrollments() {
    try {
      const got = await api("GET", `/contacts/${encodeURIComponent(c.id)}/enrollments`);
      enrollments.replaceChildren(got.data.length
        ? h("div", { class: "scroll" }, h("table", { class: "cards", id: "enrollment-list" },
            h("caption", { class: "sr-only" }, "Sequence enrollments"),
            h("thead", {}, h("tr", {}, ["Sequence", "Status", "Started", "Finished", "Outcome"].map((t) => h("th", { scope: "col" }, t)))),
            h("tbody", {}, got.data.map((n) => h("tr", {}, h("td", {}, n.sequence_id || "—"),
              h("td", { "data-label": "Status" }, h("span", { class: `badge ${n.status}` }, n.status)),
              h("td", { "data-label": "Started" }, fmtDate(n.started_at)), h("td", { "data-label": "Finished" }, fmtDate(n.finished_at)),
              h("td", { "data-label": "Outcome" }, n.outcome || "—"))))))
        : h("p", {}, "Not enrolled in any sequence."));
    } catch (err) {
      enrollments.replaceChildren(h("p", { class: "form-error" }, err.message));
    }
  }
  page();
  loadEnrollments();
  return h("div", { class: "cols" },
    h("section", { class: "card", "aria-labelledby": "engagement-h" }, h("h2", { id: "engagement-h" }, "Engagement"),
      dl([["Sent", e.total_sent ?? 0], ["Responses", e.total_responses ?? 0], ["Response rate", `${Math.round((e.response_rate || 0) * 100)}%`],
        ["Bounce", e.bounce_status || "none"], ["Last sent", fmtDate(e.last_sent_at)], ["Last engaged", fmtDate(e.last_engaged_at)]]),
      h("h3", {}, "Timeline"), timeline, more),
    h("section", { class: "card", "aria-labelledby": "enrollments-h" }, h("h2", { id: "enrollments-h" }, "Sequence enrollments"), enrollments));
}
