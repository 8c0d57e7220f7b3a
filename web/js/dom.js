// A tiny element builder: h("p", {class: "x"}, "text", child). Text nodes only, never HTML strings.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let fieldSeq = 0;

// A labelled input with its error slot; `field` is the API's name for it (errors land here).
export function field(label, input, { field: apiField, hint } = {}) {
  const id = input.id || `f${++fieldSeq}`;
  input.id = id;
  const err = h("p", { class: "field-error", id: `${id}-err`, "data-error-for": apiField || input.name || "" });
  const described = [`${id}-err`];
  let hintEl = null;
  if (hint) {
    hintEl = h("p", { class: "hint", id: `${id}-hint` }, hint);
    described.unshift(`${id}-hint`);
  }
  input.setAttribute("aria-describedby", described.join(" "));
  if (apiField) input.dataset.field = apiField;
  return h("div", { class: "field" }, h("label", { for: id }, label), hintEl, input, err);
}

// Show an API error next to the field it names (or at the form's top), and announce it.
export function showError(container, err) {
  clearErrors(container);
  const name = err.field || "";
  const candidates = name ? [name, name.split(".").pop(), name.replace(/^options\./, "")] : [];
  let slot = null;
  for (const c of candidates) {
    slot = container.querySelector(`[data-error-for="${CSS.escape(c)}"]`);
    if (slot) break;
  }
  if (!slot) slot = container.querySelector("[data-error-for='']") || container.querySelector(".form-error");
  if (slot) {
    slot.textContent = err.message;
    const input = slot.parentElement && slot.parentElement.querySelector("input, select, textarea");
    if (input && slot.dataset.errorFor) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }
  announce(err.message, true);
}

export function clearErrors(container) {
  for (const el of container.querySelectorAll(".field-error, .form-error")) el.textContent = "";
  for (const el of container.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

let carriedAt = 0;

// `carry`: the message leads to the next screen ("Signed in" before the imports), so that
// screen keeps it; any other message is the current screen's and goes when it does.
export function announce(message, isError = false, { carry = false } = {}) {
  carriedAt = carry ? Date.now() : 0;
  const status = document.getElementById("status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

export function formError() {
  return h("p", { class: "form-error", role: "alert", "data-error-for": "" });
}

export function fmtDate(value) {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString();
}

// A new screen starts with a clear status line, unless the action that led to it just spoke.
export function staleStatus() {
  if (Date.now() - carriedAt > 1500) announce("");
}

// A destructive action's button: the first click arms it (its text and name say what a second
// click does), the second runs `act`.
export function twoStepButton(text, name, armedText, armedName, act) {
  const button = h("button", { type: "button", class: "secondary", "aria-label": name }, text);
  button.addEventListener("click", async () => {
    if (button.dataset.armed !== "true") {
      button.dataset.armed = "true";
      button.textContent = armedText;
      button.setAttribute("aria-label", armedName);
      return;
    }
    button.disabled = true;
    try {
      await act();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
