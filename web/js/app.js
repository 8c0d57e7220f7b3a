// The web app: hash routes over the public HTTP API. No build step, no third-party code.
import { api, clearKey, getKey, setKey } from "./api.js";
import { finishSignIn, signOutUrl, startSignIn } from "./cognito.js";
import { config } from "./config.js";
import { announce, h, staleStatus } from "./dom.js";
import { contactDetail, contactsList } from "./contacts.js";
import { importView, importsList, newImport } from "./imports.js";
import { settings } from "./settings.js";

const main = () => document.getElementById("main");

const VIA = "ci.signedInWith"; // "cognito" when the bearer is a Cognito ID token

function signIn(next, pool) {
  const input = h("input", { type: "password", name: "api_key", autocomplete: "off", required: true, spellcheck: "false" });
  const err = h("p", { class: "field-error", id: "key-err", "data-error-for": "api_key" });
  input.id = "api-key";
  input.setAttribute("aria-describedby", "key-hint key-err");
  const form = h(
    "form",
    { class: "card narrow", novalidate: true },
    h("h1", {}, "Sign in"),
    h("div", { class: "field" },
      h("label", { for: "api-key" }, "API key"),
      h("p", { class: "hint", id: "key-hint" }, "Paste a workspace API key (ci_…). It is kept in this tab only and cleared on sign out."),
      input, err),
    h("button", { type: "submit" }, "Sign in"),
  );
  if (pool) {
    const sso = h("button", { type: "button", class: "secondary", id: "cognito-signin" }, "Sign in with Cognito");
    sso.addEventListener("click", () => startSignIn(pool, next));
    form.append(h("p", { class: "or" }, "or, with your user account"), sso);
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    const key = input.value.trim();
    if (!key) {
      err.textContent = "Enter an API key";
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    setKey(key);
    try {
      await api("GET", "/imports?page_size=1");
    } catch (e) {
      if (e.status === 401 || (e.status === 403 && e.code !== "forbidden")) {
        clearKey();
        err.textContent = e.status === 401 ? e.message : "This key is not valid";
        input.setAttribute("aria-invalid", "true");
        input.focus();
        announce("Sign in failed", true);
        return;
      }
      // a key without the imports scopes is still a key: the screens it cannot use say so
    }
    announce("Signed in", false, { carry: true });
    location.hash = next && next !== "#/signin" ? next : "#/imports";
  });
  return form;
}

const ROUTES = [
  [/^#\/imports\/new$/, () => newImport()],
  [/^#\/imports\/([^/?]+)$/, (m) => importView(decodeURIComponent(m[1]))],
  [/^#\/imports$/, () => importsList()],
  [/^#\/contacts\/([^/?]+)$/, (m) => contactDetail(decodeURIComponent(m[1]))],
  [/^#\/contacts(?:\?.*)?$/, () => contactsList(new URLSearchParams(location.hash.split("?")[1] || ""))],
  [/^#\/settings$/, () => settings()],
];

let current = null; // the running screen's cleanup (stops polling)

async function render() {
  if (current) current();
  current = null;
  staleStatus();
  const hash = location.hash || "#/imports";
  const nav = document.getElementById("nav");
  const root = main();
  if (!getKey()) {
    nav.hidden = true;
    root.replaceChildren(signIn(hash, (await config()).cognito));
    document.title = "Sign in · Contact Import";
    root.querySelector("input").focus();
    return;
  }
  nav.hidden = false;
  for (const a of nav.querySelectorAll("a")) {
    const here = hash === a.getAttribute("href") || (hash.startsWith(a.getAttribute("href") + "?"));
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (hash === "#/signin") {
    location.hash = "#/imports";
    return;
  }
  const route = ROUTES.find(([re]) => re.test(hash));
  if (!route) {
    root.replaceChildren(h("section", { class: "card" }, h("h1", {}, "Not found"), h("p", {}, "No screen at this address. "), h("a", { href: "#/imports" }, "Go to imports")));
    return;
  }
  const screen = route[1](hash.match(route[0]));
  root.replaceChildren(screen.el);
  current = screen.stop || null;
  const title = root.querySelector("h1");
  document.title = `${title ? title.textContent : "Contact Import"} · Contact Import`;
  if (screen.ready) await screen.ready;
}

// Back from the hosted UI: the code exchanged for the ID token, which signs this tab in.
async function returnFromCognito() {
  const pool = (await config()).cognito;
  if (!pool) return;
  try {
    const done = await finishSignIn(pool);
    if (!done) return;
    setKey(done.token);
    sessionStorage.setItem(VIA, "cognito");
    announce("Signed in", false, { carry: true });
    location.hash = done.next && done.next !== "#/signin" ? done.next : "#/imports";
  } catch (e) {
    announce(`Sign in failed: ${e.message}`, true);
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("signout").addEventListener("click", async () => {
    const viaCognito = sessionStorage.getItem(VIA) === "cognito";
    clearKey();
    sessionStorage.clear();
    announce("Signed out", false, { carry: true });
    const pool = (await config()).cognito;
    if (viaCognito && pool) {
      location.assign(signOutUrl(pool)); // ends the hosted UI's session too
      return;
    }
    location.hash = "#/signin";
    render();
  });
  await returnFromCognito();
  window.addEventListener("hashchange", () => {
    render();
    main().focus({ preventScroll: false });
  });
  render();
});
