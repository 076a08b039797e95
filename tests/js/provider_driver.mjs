// Loads the dev wallet's /provider.js into a fake window and drives it as a dapp page would.
// argv: BASE_URL MODE ("auto" | "approve" | "deny"). Prints one JSON line with the outcomes.
const [base, mode] = process.argv.slice(2);
const popups = [];
globalThis.window = globalThis;
window.open = (url) => {
  const popup = { location: { href: url }, closed: false, close() { this.closed = true; } };
  popups.push(popup);
  return popup;
};

// The "user": once the provider points the popup at a consent page, answer it by form post.
async function user() {
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const popup = popups.find((p) => p.location.href.includes("/rpc/consent/") && !p.answered);
    if (!popup) continue;
    popup.answered = true;
    if (mode === "close") { popup.closed = true; continue; }
    const page = await (await fetch(popup.location.href)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)[1];
    const body = new URLSearchParams({ csrf, account: "1", decision: mode });
    await fetch(popup.location.href, { method: "POST", body });
    popup.closed = true;
  }
}

const source = await (await fetch(base + "/provider.js")).text();
(0, eval)(source);
if (mode !== "auto") user();

const out = {
  registered: window.wbip_providers.map((p) => p.id),
  same: window.StacksProvider === window.AuthtokensDevWallet,
};
for (const [name, method, params] of [
  ["addresses", "getAddresses", { network: "mainnet" }],
  ["signed", "stx_signMessage", { message: "Hello from a page" }],
  ["unknown", "stx_transferStx", { amount: "1" }],
]) {
  try {
    out[name] = { resolved: await window.StacksProvider.request(method, params) };
  } catch (error) {
    out[name] = { rejected: error };
  }
}
out.popups = popups.length;
console.log(JSON.stringify(out));
process.exit(0);
