// Bulk actions on the contacts list (POST /contacts/bulk-operations): the selection (rows ticked
// on this page, or every contact the list's filters match), an action and its parameters, a
// confirm step naming the count, then the operation followed to its end (polled with backoff),
// its result, and Undo.
import { ApiError, api, saveUrl } from "./api.js";
import { announce, clearErrors, field, fmtDate, formError, h, showError } from "./dom.js";
import { REASONS } from "./settings.js";

const ACTIONS = [
  ["add_tags", "Add tags"], ["remove_tags", "Remove tags"], ["set_custom_field", "Set a custom field"],
  ["soft_delete", "Delete (restorable)"], ["restore", "Restore deleted"], ["add_to_suppression", "Suppress"],
  ["export_csv", "Export as CSV"],
];
const RUNNING = ["queued", "running", "undoing"];

const plural = (n) => `${n.toLocaleString()} contact${n === 1 ? "" : "s"}`;

// listFilters: the list's filters as the API's list_filters; onChanged: reload the list.
export function bulkPanel({ listFilters, onChanged }) {
  const picked = new Set();
  let pageIds = [];
  let total = 0;
  let all = false; // every contact the filters match, not only the ticked rows
  let boxes = () => [];
  let pageBox = null;
  let timer = null;
  let stopped = false;

  const summary = h("p", { id: "bulk-summary", class: "total", "aria-live": "polite" });
  const selectPage = h("button", { type: "button", class: "secondary", hidden: true });
  const selectAll = h("button", { type: "button", class: "secondary", id: "select-all-matching", hidden: true });
  const clear = h("button", { type: "button", class: "secondary", hidden: true }, "Clear selection");
  const action = h("select", { name: "action" }, ACTIONS.map(([v, t]) => h("option", { value: v }, t)));
  const tags = h("input", { type: "text", name: "tags", autocomplete: "off", placeholder: "vip, q3" });
  const cfName = h("select", { name: "name" }, h("option", { value: "" }, "Choose a field"));
  const cfValue = h("input", { type: "text", name: "value", autocomplete: "off" });
  const reason = h("input", { type: "text", name: "reason", autocomplete: "off", placeholder: "campaign over" });
  const suppressReason = h("select", { name: "suppress_reason" }, REASONS.map((r) => h("option", { value: r }, r)));
  const params = {
    tags: field("Tags (comma-separated)", tags, { field: "params.tags" }),
    name: field("Custom field", cfName, { field: "params.name" }),
    value: field("New value", cfValue, { field: "params.value", hint: "Empty clears it" }),
    reason: field("Deletion reason", reason, { field: "params.reason" }),
    suppress: field("Suppression reason", suppressReason, { field: "params.reason" }),
  };
  const shows = {
    add_tags: [params.tags], remove_tags: [params.tags], set_custom_field: [params.name, params.value],
    soft_delete: [params.reason], add_to_suppression: [params.suppress],
  };
  const question = h("p", { id: "bulk-question" });
  const confirm = h("button", { type: "button", id: "bulk-confirm" }, "Confirm");
  const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
  const confirmBox = h("div", { class: "confirm", role: "group", "aria-labelledby": "bulk-question", hidden: true },
    question, h("div", { class: "actions" }, confirm, cancel));
  const next = h("button", { type: "submit" }, "Continue");
  const outcome = h("div", { id: "bulk-outcome" });
  // the action's fields show once something is selected
  const controls = h("div", { hidden: true },
    h("div", { class: "bulk-fields" }, field("Action", action, { field: "action" }), Object.values(params)),
    h("div", { class: "actions" }, next), confirmBox);
  const form = h("form", { class: "card bulk", id: "bulk-form", novalidate: true, "aria-labelledby": "bulk-h" },
    h("h2", { id: "bulk-h" }, "Bulk actions"),
    summary, h("div", { class: "actions" }, selectPage, selectAll, clear),
    formError(), controls, outcome);

  function count() {
    return all ? total : picked.size;
  }

  function draw() {
    for (const box of boxes()) box.checked = all || picked.has(box.dataset.id);
    const whole = pageIds.length > 0 && pageIds.every((id) => picked.has(id));
    if (pageBox) pageBox.checked = all || whole;
    summary.textContent = all ? `All ${plural(total)} matching this filter are selected`
      : picked.size ? `${plural(picked.size)} selected` : "No contacts selected: tick rows in the list";
    // the page's own checkbox sits in the table head, which a phone's card layout hides
    selectPage.hidden = all || whole || pageIds.length < 2;
    selectPage.textContent = `Select the ${pageIds.length} on this page`;
    selectAll.hidden = all || !whole || total <= pageIds.length;
    selectAll.textContent = `Select all ${plural(total)} matching this filter`;
    clear.hidden = !all && !picked.size;
    controls.hidden = count() === 0;
  }

  function showParams() {
    for (const wrap of Object.values(params)) wrap.hidden = !(shows[action.value] || []).includes(wrap);
    confirmBox.hidden = true;
  }
  action.addEventListener("change", showParams);
  selectPage.addEventListener("click", () => {
    for (const id of pageIds) picked.add(id);
    draw();
    (selectAll.hidden ? clear : selectAll).focus();
  });
  selectAll.addEventListener("click", () => {
    all = true;
    draw();
    announce(`All ${plural(total)} selected`);
  });
  clear.addEventListener("click", () => {
    all = false;
    picked.clear();
    confirmBox.hidden = true;
    draw();
  });
  cancel.addEventListener("click", () => {
    confirmBox.hidden = true;
    next.focus();
  });

  // the action's params, or an error naming the field the API would name
  function body() {
    const p = {};
    const a = action.value;
    if (a === "add_tags" || a === "remove_tags") {
      p.tags = tags.value.split(",").map((t) => t.trim()).filter(Boolean);
      if (!p.tags.length) throw new ApiError(400, "validation_error", "Enter at least one tag", "params.tags");
    } else if (a === "set_custom_field") {
      if (!cfName.value) throw new ApiError(400, "validation_error", "Choose a custom field", "params.name");
      p.name = cfName.value;
      p.value = cfValue.value.trim() || null;
    } else if (a === "soft_delete") {
      if (reason.value.trim()) p.reason = reason.value.trim();
    } else if (a === "add_to_suppression") p.reason = suppressReason.value;
    const selection = all ? { list_filters: listFilters } : { ids: [...picked] };
    return { action: a, params: p, selection };
  }

  function ask(b) {
    const n = plural(count());
    const words = {
      add_tags: `Add the tags ${b.params.tags?.join(", ")} to ${n}?`,
      remove_tags: `Remove the tags ${b.params.tags?.join(", ")} from ${n}?`,
      set_custom_field: `Set ${b.params.name} to ${b.params.value === null ? "(empty)" : `“${b.params.value}”`} on ${n}?`,
      soft_delete: `Delete ${n}? They can be restored.`,
      restore: `Restore ${n}?`,
      add_to_suppression: `Suppress ${n} (reason: ${b.params.reason})? Future imports will skip them.`,
      export_csv: `Export ${n} as a CSV file?`,
    };
    return b.action === "export_csv" ? words[b.action] : `${words[b.action]} You can undo it for 30 days.`;
  }

  let pending = null;
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    clearErrors(form);
    try {
      pending = body();
    } catch (e) {
      showError(form, e);
      return;
    }
    question.textContent = ask(pending);
    confirmBox.hidden = false;
    confirm.focus();
  });
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    try {
      const op = await api("POST", "/contacts/bulk-operations", pending);
      confirmBox.hidden = true;
      follow(op);
    } catch (e) {
      confirmBox.hidden = true;
      showError(form, e);
    } finally {
      confirm.disabled = false;
    }
  });

  async function download(op) {
    try {
      await saveUrl(op.download_url, `contacts-${op.id}.csv`);
      announce("Export downloaded");
    } catch (e) {
      announce(`The export could not be downloaded: ${e.message}`, true);
    }
  }

  async function act(op, verb, what) {
    try {
      follow(await api("POST", `/bulk-operations/${encodeURIComponent(op.id)}/${verb}`));
    } catch (e) {
      announce(`${what} failed: ${e.message}`, true);
    }
  }

  function result(op) {
    const label = ACTIONS.find(([v]) => v === op.action)?.[1] || op.action;
    const parts = [h("h3", {}, `${label}: ${op.status}`)];
    if (RUNNING.includes(op.status)) {
      const done = op.status === "undoing" && op.undo ? op.undo.done : op.done;
      parts.push(h("progress", { max: String(op.total || 1), value: String(done), "aria-label": "Contacts done" }),
        h("p", {}, `${done.toLocaleString()} of ${plural(op.total)} done`));
    } else {
      parts.push(h("p", { class: "bulk-counts" },
        `${op.succeeded.toLocaleString()} of ${plural(op.total)} succeeded, ${op.changed.toLocaleString()} changed, ${op.failed.toLocaleString()} failed.`));
    }
    if (op.failures.length) {
      parts.push(h("details", {}, h("summary", {}, `Failures (${op.failed})`),
        h("ul", {}, op.failures.slice(0, 20).map((f) => h("li", {}, `${f.contact_id}: ${f.reason}`)))));
    }
    if (op.error) parts.push(h("p", { class: "form-error", role: "alert" }, op.error));
    if (op.undo && op.status === "undone") {
      parts.push(h("p", { class: "bulk-undone" },
        `Undone: ${op.undo.restored.toLocaleString()} restored, ${op.undo.left_alone.toLocaleString()} left alone (changed since).`));
      if (op.undo.conflicts.length) {
        parts.push(h("ul", {}, op.undo.conflicts.slice(0, 20).map((f) => h("li", {}, `${f.contact_id}: ${f.reason}`))));
      }
    }
    const buttons = h("div", { class: "actions" });
    if (op.status === "complete" && op.download_url) {
      buttons.append(h("button", { type: "button", onclick: () => download(op) }, "Download CSV"));
    }
    if (op.status === "complete" && op.action !== "export_csv" && op.undo_until && new Date(op.undo_until) > new Date()) {
      buttons.append(h("button", { type: "button", class: "secondary", onclick: () => act(op, "undo", "Undo") }, "Undo"),
        h("span", { class: "hint" }, ` until ${fmtDate(op.undo_until)}`));
    }
    if (op.status === "failed") {
      buttons.append(h("button", { type: "button", onclick: () => act(op, "resume", "Resume") }, "Resume"));
    }
    parts.push(buttons);
    outcome.replaceChildren(h("section", { class: "result", "aria-labelledby": "bulk-result-h" }, ...parts));
    outcome.querySelector("h3").id = "bulk-result-h";
  }

  // draw the operation, then poll it (1 s, growing to 10 s) until it stops moving
  function follow(op, delay = 1000) {
    clearTimeout(timer);
    result(op);
    if (RUNNING.includes(op.status)) {
      announce(`${op.status === "undoing" ? "Undoing" : "Working"}: ${op.done} of ${op.total} done`);
      timer = setTimeout(async () => {
        if (stopped) return;
        try {
          follow(await api("GET", `/bulk-operations/${encodeURIComponent(op.id)}`), Math.min(delay * 1.5, 10000));
        } catch (e) {
          announce(e.message, true);
        }
      }, delay);
      return;
    }
    announce(op.status === "undone" ? "Undone" : op.status === "complete" ? `Done: ${op.changed} changed` : `The operation ${op.status}`, op.status === "failed");
    if (op.action !== "export_csv") onChanged();
  }

  async function loadFields() {
    try {
      const page = await api("GET", "/custom-fields");
      cfName.append(...page.data.map((f) => h("option", { value: f.name }, f.display_label || f.name)));
    } catch {
      // without custom fields (or the scope) nothing can be set
    }
  }

  showParams();
  draw();
  return {
    el: form,
    ready: loadFields(),
    // a new page of the list: its row ids, the filter's total, its row checkboxes and the page's own
    setPage(ids, matching, rowBoxes, pageCheckbox) {
      pageIds = ids;
      total = matching;
      boxes = rowBoxes;
      pageBox = pageCheckbox;
      picked.clear();
      all = false;
      form.hidden = matching === 0 && !outcome.childElementCount;
      draw();
    },
    pick(id, on) {
      if (all) {
        all = false;
        for (const other of pageIds) picked.add(other);
      }
      if (on) picked.add(id);
      else picked.delete(id);
      draw();
    },
    pickPage(on) {
      all = false;
      for (const id of pageIds) {
        if (on) picked.add(id);
        else picked.delete(id);
      }
      draw();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
