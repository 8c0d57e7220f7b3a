// Deploy-time settings from /config.json: written by the CDK stack on AWS (API base, Cognito ids),
// served by `contact-import serve` locally (no user pool: API-key sign-in only).
const DEFAULTS = { apiBase: "", cognito: null };
let loaded = null;

export function config() {
  if (!loaded) {
    loaded = fetch("config.json", { cache: "no-store" })
      .then((res) => (res.ok ? res.json() : {}))
      .catch(() => ({}))
      .then((doc) => ({ ...DEFAULTS, ...(doc || {}) }));
  }
  return loaded;
}
