#!/usr/bin/env node
// Checks artifacts produced by the Python library against the reference JS libraries.
//
//   node check.mjs INPUT.json
//
// INPUT.json (every array optional; objects may carry an optional "name" used in the report):
//   {"jwt":            [{"token", "public_key"}],
//    "ecies":          [{"private_key", "cipher", "plaintext_hex" | "plaintext_str"}],
//    "auth_requests":  [{"token", "now_ms"}],
//    "auth_responses": [{"token", "transit_private_key", "now_ms", "expected_app_private_key"}],
//    "wrapped_keys":   [{"private_key", "wrapped_hex", "expected"}],
//    "message_signatures": [{"message", "signature", "public_key", "address"}],
//    "sip018":         [{"domain_hex", "message_hex", "signature", "public_key"}],
//    "addresses":      [{"public_key", "mainnet", "testnet"}],
//    "clarity":        [{"hex"}]}
//
// Prints one line per case ("PASS section[i] name" or "FAIL section[i] name: reason") and a final
// line "N passed, M failed".  Exit code 1 if anything failed (2 on unusable input).

import fs from 'node:fs';
import * as H from './harness.mjs';

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  process.stderr.write('usage: node check.mjs INPUT.json\n');
  process.exit(2);
}
let input;
try {
  input = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  process.stderr.write(`cannot read ${file}: ${e.message}\n`);
  process.exit(2);
}

H.quietConsole();
const R = H.loadReference();
const { TokenVerifier } = R.jsontokens;
const { bytesToHex } = R.common;
// Nothing below should draw randomness; give it a fixed stream anyway rather than failing.
H.setRandomSources({ bytes: new H.HashStream('check.mjs'), random: new H.HashStream('check.mjs/math') });

let passed = 0;
let failed = 0;

async function run(section, checker) {
  const items = input[section];
  if (items === undefined || items === null) return;
  if (!Array.isArray(items)) {
    failed++;
    H.out(`FAIL ${section}: not an array`);
    return;
  }
  for (const [i, item] of items.entries()) {
    const id = `${section}[${i}]${item && item.name ? ` ${item.name}` : ''}`;
    let problem;
    try {
      problem = await checker(item);
    } catch (e) {
      problem = `threw ${H.errorString(e)}`;
    }
    if (problem) {
      failed++;
      H.out(`FAIL ${id}: ${problem}`);
    } else {
      passed++;
      H.out(`PASS ${id}`);
    }
  }
}

const show = (v) => {
  const s = JSON.stringify(v);
  return s && s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

await run('jwt', async ({ token, public_key: pub }) => {
  const ok = new TokenVerifier('ES256K', pub).verify(token);
  return ok === true ? null : `TokenVerifier.verify returned ${show(ok)}`;
});

await run('ecies', async (c) => {
  const out = await R.encryption.decryptECIES(c.private_key, c.cipher);
  if (c.plaintext_str !== undefined) {
    if (typeof out !== 'string') return `expected a string (wasString), got bytes ${show(bytesToHex(out))}`;
    return out === c.plaintext_str ? null : `decrypted ${show(out)} != ${show(c.plaintext_str)}`;
  }
  if (c.plaintext_hex !== undefined) {
    if (typeof out === 'string') return `expected bytes, got a string ${show(out)} (wasString set?)`;
    const hex = bytesToHex(out);
    return hex === c.plaintext_hex.toLowerCase() ? null : `decrypted ${show(hex)} != ${show(c.plaintext_hex)}`;
  }
  return 'case has neither plaintext_str nor plaintext_hex';
});

await run('auth_requests', async ({ token, now_ms: nowMs }) =>
  H.within({ nowMs }, async () => {
    const ok = await R.auth.verifyAuthRequest(token);
    return ok === true ? null : `verifyAuthRequest resolved ${show(ok)} at ${nowMs}`;
  }),
);

await run('auth_responses', async (c) =>
  H.within({ nowMs: c.now_ms }, async () => {
    const ok = await R.auth.verifyAuthResponse(c.token);
    if (ok !== true) return `verifyAuthResponse resolved ${show(ok)} at ${c.now_ms}`;
    const appConfig = new R.auth.AppConfig(['store_write'], 'https://app.example.com');
    const session = new R.auth.UserSession({ appConfig, sessionOptions: { transitKey: c.transit_private_key } });
    // profile_url is only fetched when profile is null; answer 404 (-> DEFAULT_PROFILE), as generate.mjs does
    const userData = await session.handlePendingSignIn(c.token, H.notFoundFetch);
    const got = userData.appPrivateKey ?? null;
    const want = c.expected_app_private_key ?? null;
    return got === want ? null : `appPrivateKey ${show(got)} != expected ${show(want)}`;
  }),
);

await run('wrapped_keys', async ({ private_key: priv, wrapped_hex: hex, expected }) => {
  const out = await R.auth.decryptPrivateKey(priv, hex);
  return out === expected ? null : `decryptPrivateKey gave ${show(out)} != ${show(expected)}`;
});

// Wallet message signatures (stx_signMessage): verifyMessageSignatureRsv without its legacy
// retry mattering (the signature must verify on the current prefix: the recovered key is checked
// against hashMessage's digest too), and the address the reference derives.
const T = H.require('@stacks/transactions');
await run('message_signatures', async (c) => {
  const ok = R.encryption.verifyMessageSignatureRsv({ signature: c.signature, message: c.message, publicKey: c.public_key });
  if (ok !== true) return `verifyMessageSignatureRsv returned ${show(ok)}`;
  const digest = bytesToHex(R.encryption.hashMessage(c.message));
  const recovered = T.publicKeyFromSignatureRsv(digest, c.signature);
  if (recovered !== c.public_key) return `publicKeyFromSignatureRsv gave ${show(recovered)}`;
  const address = T.getAddressFromPublicKey(recovered, c.address.startsWith('SP') ? 'mainnet' : 'testnet');
  return address === c.address ? null : `getAddressFromPublicKey gave ${show(address)} != ${show(c.address)}`;
});

await run('sip018', async (c) => {
  const domain = T.deserializeCV(c.domain_hex);
  const message = T.deserializeCV(c.message_hex);
  if (T.serializeCV(domain) !== c.domain_hex || T.serializeCV(message) !== c.message_hex)
    return 'serializeCV(deserializeCV(x)) differs from x';
  const hash = bytesToHex(H.sha256(Buffer.from(T.encodeStructuredDataBytes({ message, domain }))));
  const recovered = T.publicKeyFromSignatureRsv(hash, c.signature);
  return recovered === c.public_key ? null : `publicKeyFromSignatureRsv gave ${show(recovered)}`;
});

await run('addresses', async (c) => {
  const m = T.getAddressFromPublicKey(c.public_key, 'mainnet');
  const t = T.getAddressFromPublicKey(c.public_key, 'testnet');
  if (m !== c.mainnet) return `mainnet ${show(m)} != ${show(c.mainnet)}`;
  return t === c.testnet ? null : `testnet ${show(t)} != ${show(c.testnet)}`;
});

await run('clarity', async (c) => {
  const again = T.serializeCV(T.deserializeCV(c.hex));
  return again === c.hex ? null : `serializeCV(deserializeCV) gave ${show(again)}`;
});

const known = new Set([
  'jwt', 'ecies', 'auth_requests', 'auth_responses', 'wrapped_keys',
  'message_signatures', 'sip018', 'addresses', 'clarity',
]);
for (const k of Object.keys(input)) if (!known.has(k)) process.stderr.write(`note: ignoring unknown section "${k}"\n`);

H.out(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
