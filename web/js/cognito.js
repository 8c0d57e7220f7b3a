// "Sign in with Cognito": the hosted UI's authorization code flow with PKCE (a public client, no
// secret). The verifier and state live in sessionStorage for the round trip only; the ID token
// the token endpoint returns becomes the bearer the API checks (scopes from the user's groups).
const PENDING = "ci.cognitoPending";

const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

const randomString = () => b64url(crypto.getRandomValues(new Uint8Array(32)));

export async function challengeOf(verifier) {
  return b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

const redirectUri = () => `${location.origin}/`;

// Leave for the hosted UI; `next` is the screen to return to.
export async function startSignIn(pool, next) {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, next: next || "#/imports" }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: pool.clientId,
    redirect_uri: redirectUri(),
    scope: "openid email",
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  });
  location.assign(`${pool.domain}/oauth2/authorize?${query}`);
}

// Back from the hosted UI (?code=…&state=…): the code exchanged for tokens. Returns
// {token, next}, or null when this page load is not a sign-in's return; throws with a message.
export async function finishSignIn(pool) {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  if (params.has("error")) throw new Error(params.get("error_description") || params.get("error"));
  if (!pending || pending.state !== params.get("state")) throw new Error("The sign-in did not start here; try again");
  const res = await fetch(`${pool.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: pool.clientId,
      code: params.get("code"),
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }),
  });
  const doc = await res.json().catch(() => ({}));
  if (!res.ok || !doc.id_token) throw new Error(doc.error_description || doc.error || `The sign-in failed (HTTP ${res.status})`);
  return { token: doc.id_token, next: pending.next };
}

export function signOutUrl(pool) {
  return `${pool.domain}/logout?${new URLSearchParams({ client_id: pool.clientId, logout_uri: redirectUri() })}`;
}
