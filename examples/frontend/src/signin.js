// The example apps' front end: "Sign in with Stacks" on @stacks/connect 8.
//
// 1. connect(): the wallet picker, then SIP-030 getAddresses (this proves nothing yet);
// 2. POST {prefix}/siws/nonce with the STX address (better-auth SIWS request shape);
// 3. the Sign-In with Stacks text (see the library's authtokens.siws.create_message);
// 4. stx_signMessage in the wallet;
// 5. POST {prefix}/siws/verify; the backend checks nonce, domain, URI, times and signature,
//    then sets the session cookie.
import { connect, request, disconnect } from "@stacks/connect";

const TESTNET = 2147483648;
// Read while the bundle runs: document.currentScript is null in later callbacks.
const SCRIPT = document.currentScript;

function chainIdOf(address) {
  return address[1] === "P" || address[1] === "M" ? 1 : TESTNET;
}

// The message format of Sign-In with Stacks, line by line.
export function siwsMessage({ domain, address, statement, uri, chainId, nonce, issuedAt, expirationTime }) {
  const lines = [`${domain} wants you to sign in with your Stacks account:`, address, ""];
  if (statement) lines.push(statement);
  lines.push("", `URI: ${uri}`, "Version: 1", `Chain ID: ${chainId}`, `Nonce: ${nonce}`);
  lines.push(`Issued At: ${issuedAt}`);
  if (expirationTime) lines.push(`Expiration Time: ${expirationTime}`);
  return lines.join("\n");
}

// Django apps protect POSTs with CSRF: send its cookie back as X-CSRFToken, as Django pages do.
function csrfHeaders() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? { "X-CSRFToken": decodeURIComponent(match[1]) } : {};
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", ...csrfHeaders() },
    body: JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(payload.error || `HTTP ${response.status}`);
    error.code = payload.error;
    throw error;
  }
  return payload;
}

export async function signInWithStacks({ prefix = "/auth", statement, domain, uri } = {}) {
  const { addresses } = await connect();
  const stx = addresses.find((entry) => entry.address.startsWith("S"));
  if (!stx) throw new Error("the wallet gave no Stacks address");
  const chainId = chainIdOf(stx.address);
  const { nonce } = await postJson(`${prefix}/siws/nonce`, { walletAddress: stx.address, chainId });
  const now = new Date();
  const message = siwsMessage({
    domain: domain || location.host,
    address: stx.address,
    statement,
    uri: uri || location.origin,
    chainId,
    nonce,
    issuedAt: now.toISOString(),
    expirationTime: new Date(now.getTime() + 5 * 60 * 1000).toISOString(),
  });
  const { signature, publicKey } = await request("stx_signMessage", { message });
  return postJson(`${prefix}/siws/verify`, {
    walletAddress: stx.address,
    chainId,
    message,
    signature,
    publicKey,
  });
}

export async function signOut({ prefix = "/auth" } = {}) {
  await postJson(`${prefix}/logout`, {});
  disconnect();
}

function show(text, state) {
  const status = document.getElementById("auth-status");
  if (status) {
    status.textContent = text;
    status.dataset.state = state;
  }
}

function wire() {
  const script = SCRIPT || document.querySelector("script[data-auth-prefix]");
  const prefix = (script && script.dataset.authPrefix) || "/auth";
  const statement = (script && script.dataset.statement) || undefined;
  const button = document.getElementById("siws-button");
  if (button) {
    button.addEventListener("click", async () => {
      show("waiting for the wallet", "pending");
      try {
        const result = await signInWithStacks({ prefix, statement });
        show(`signed in as ${result.user.address}`, "signed-in");
        document.dispatchEvent(new CustomEvent("authtokens:signed-in", { detail: result }));
      } catch (error) {
        show(`sign-in refused: ${error.code || error.message}`, "error");
      }
    });
  }
  const logout = document.getElementById("logout-button");
  if (logout) {
    logout.addEventListener("click", async () => {
      await signOut({ prefix });
      location.reload();
    });
  }
}

window.authtokens = { signInWithStacks, signOut, siwsMessage };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
else wire();
