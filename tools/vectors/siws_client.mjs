// A Sign-In with Stacks client that knows nothing of authtokens: the better-auth SIWS request
// shapes, the message written as createSiwsMessage writes it (spec siws.md §1), and the
// reference signer (@stacks/encryption hashMessage + @stacks/transactions signMessageHashRsv),
// which is what Leather and Xverse answer stx_signMessage with.
//
//   node siws_client.mjs --url http://127.0.0.1:3001 --key <66-hex private key>
//        [--origin http://localhost:3000] [--domain D] [--uri U] [--network mainnet|testnet]
//        [--concurrent N]
//
// Prints one JSON line: {"address", "nonce", "status", "body"} for one sign-in, or with
// --concurrent N (N verifies of the same signed message at once) {"address", "statuses",
// "errors", "tokens"} (counts). Exit 0 when the requests were made (whatever the answers).

import { hashMessage } from '@stacks/encryption';
import { getAddressFromPublicKey, privateKeyToPublic, signMessageHashRsv } from '@stacks/transactions';
import { bytesToHex } from '@stacks/common';

function args(argv) {
  const out = { network: 'mainnet', concurrent: 0 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    out[name] = argv[i + 1];
  }
  if (!out.url || !out.key) throw new Error('--url and --key are required');
  out.concurrent = Number(out.concurrent || 0);
  return out;
}

async function post(opts, path, body) {
  const headers = { 'content-type': 'application/json' };
  if (opts.origin) headers.origin = opts.origin;
  const res = await fetch(opts.url + path, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

function siwsMessage({ domain, address, uri, chainId, nonce, issuedAt }) {
  // createSiwsMessage without a statement: three newlines between the address and "URI:".
  return (
    `${domain} wants you to sign in with your Stacks account:\n${address}\n\n\n` +
    `URI: ${uri}\nVersion: 1\nChain ID: ${chainId}\nNonce: ${nonce}\nIssued At: ${issuedAt}`
  );
}

const opts = args(process.argv.slice(2));
const publicKey = privateKeyToPublic(opts.key);
const address = getAddressFromPublicKey(publicKey, opts.network);
const chainId = opts.network === 'mainnet' ? 1 : 2147483648;

const issued = await post(opts, '/siws/nonce', { walletAddress: address, chainId });
if (issued.status !== 200) {
  console.log(JSON.stringify({ address, status: issued.status, body: issued.body }));
  process.exit(0);
}
const message = siwsMessage({
  domain: opts.domain ?? issued.body.domain,
  address,
  uri: opts.uri ?? issued.body.uri,
  chainId,
  nonce: issued.body.nonce,
  issuedAt: new Date().toISOString(),
});
const signature = signMessageHashRsv({
  messageHash: bytesToHex(hashMessage(message)),
  privateKey: opts.key,
});
const body = { walletAddress: address, message, signature, chainId };

if (opts.concurrent > 0) {
  const answers = await Promise.all(
    Array.from({ length: opts.concurrent }, () => post(opts, '/siws/verify', body)),
  );
  const count = (values) => values.reduce((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
  console.log(
    JSON.stringify({
      address,
      statuses: count(answers.map((a) => a.status)),
      errors: count(answers.filter((a) => a.body.error).map((a) => a.body.error)),
      tokens: answers.filter((a) => a.body.success === true && a.body.token).length,
    }),
  );
} else {
  const verified = await post(opts, '/siws/verify', body);
  console.log(JSON.stringify({ address, nonce: issued.body.nonce, ...verified }));
}
