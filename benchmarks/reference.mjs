// The reference JS stack's equivalents of benchmarks/bench.py's hot paths, driven over stdin
// so that the Python benchmark can alternate short windows of ours, the floor and the
// reference in one invocation. Protocol: one line "<name> <seconds>" in, one line
// "<operations> <elapsed seconds>" out; "list" prints the names; EOF ends the process.
//
// Uses the pinned install in tools/vectors/node_modules (run `make vectors` or
// `cd tools/vectors && npm ci` first). Real clock and real randomness: nothing is frozen here.

import { createRequire } from 'node:module';
import readline from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'tools', 'vectors', 'package.json'));
const auth = require('@stacks/auth');
const enc = require('@stacks/encryption');
const walletSdk = require('@stacks/wallet-sdk');
const { TokenSigner, TokenVerifier } = require('jsontokens');

const TRANSIT = '514f2aa0e63cb0720864bfa079ec0ed2cdf0418a8770c75e1848469a8c3149b2';
const TRANSIT_PUB = enc.getPublicKeyFromPrivate(TRANSIT);
const MNEMONIC =
  'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const DOMAIN = 'https://app.example.com';
const PAYLOAD = {
  jti: '939ead40-cbd6-40a4-a81b-5f93d71a4e82',
  iat: 1735689600,
  exp: 1735693200,
  iss: 'did:btc-addr:19rQDJwvodQm2iL1wv5K93gVptK3QLQbzi',
  public_keys: [TRANSIT_PUB],
  domain_name: DOMAIN,
  manifest_uri: `${DOMAIN}/manifest.json`,
  redirect_uri: `${DOMAIN}/`,
  version: '1.4.0',
  do_not_include_profile: true,
  supports_hub_url: true,
  scopes: ['store_write', 'publish_data'],
};

const wallet = await walletSdk.generateWallet({ secretKey: MNEMONIC, password: 'bench' });
const account = wallet.accounts[0];
const appKey = walletSdk.getAppPrivateKey({ account, appDomain: DOMAIN });
const identity = account.dataPrivateKey;
const message = Buffer.alloc(64, 7);

const signed = new TokenSigner('ES256K', TRANSIT).sign(PAYLOAD);
const request = auth.makeAuthRequestToken(
  TRANSIT, `${DOMAIN}/`, `${DOMAIN}/manifest.json`, ['store_write'], DOMAIN, Date.now() + 3600e3,
);
const response = await auth.makeAuthResponse(
  identity, { name: 'bench' }, null, null, appKey, Date.now() + 3600e3, TRANSIT_PUB,
  'https://hub.blockstack.org', null, null, null,
);
const cipher = await enc.encryptECIES(TRANSIT_PUB, message, false);

const paths = {
  'jwt.sign': () => new TokenSigner('ES256K', TRANSIT).sign(PAYLOAD),
  'jwt.verify': () => {
    if (!new TokenVerifier('ES256K', TRANSIT_PUB).verify(signed)) throw new Error('verify');
  },
  make_auth_request: () =>
    auth.makeAuthRequestToken(
      TRANSIT, `${DOMAIN}/`, `${DOMAIN}/manifest.json`, ['store_write'], DOMAIN,
      Date.now() + 3600e3,
    ),
  verify_auth_request: async () => {
    if (!(await auth.verifyAuthRequest(request))) throw new Error('verifyAuthRequest');
  },
  make_auth_response: () =>
    auth.makeAuthResponse(
      identity, { name: 'bench' }, null, null, appKey, Date.now() + 3600e3, TRANSIT_PUB,
      'https://hub.blockstack.org', null, null, null,
    ),
  decode_auth_response: async () => {
    // what handlePendingSignIn does with a response: verify, then decrypt the app key
    if (!(await auth.verifyAuthResponse(response))) throw new Error('verifyAuthResponse');
    const payload = require('jsontokens').decodeToken(response).payload;
    await auth.decryptPrivateKey(TRANSIT, payload.private_key);
  },
  'ecies.encrypt': () => enc.encryptECIES(TRANSIT_PUB, message, false),
  'ecies.decrypt': () => enc.decryptECIES(TRANSIT, cipher),
  app_private_key: () => walletSdk.getAppPrivateKey({ account, appDomain: DOMAIN }),
};

// Sign-In with Stacks: sign-in-with-stacks is not on the registry we reach, so its
// verifySiwsMessage is measured as what it does with the reference primitives: parse (its two
// regexes stand in as one), hash, verifyMessageSignatureRsv, publicKeyFromSignatureRsv and
// getAddressFromPublicKey, then compare the address.
const tx = require('@stacks/transactions');
const SIWS_KEY = 'e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801';
const SIWS_TEXT =
  'example.com wants you to sign in with your Stacks account:\nSP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY\n\n\nURI: https://example.com/path\nVersion: 1\nChain ID: 1\nNonce: foobarbaz1\nIssued At: 2026-11-30T00:00:00.000Z';
const SIWS_SIG = tx.signMessageHashRsv({
  messageHash: Buffer.from(enc.hashMessage(SIWS_TEXT)).toString('hex'),
  privateKey: SIWS_KEY,
});
const SIWS_RE =
  /^(?:(?<scheme>[a-zA-Z][a-zA-Z0-9+-.]*):\/\/)?(?<domain>[^ ]+) wants you to sign in with your Stacks account:\n(?<address>S[A-Z0-9]{39,40})\n\n(?:(?<statement>.*)\n)?\nURI: (?<uri>.+)\nVersion: (?<version>.+)\nChain ID: (?<chainId>\d+)\nNonce: (?<nonce>[a-zA-Z0-9]+)\nIssued At: (?<issuedAt>.+)/;
paths['siws.verify_message'] = () => {
  const m = SIWS_TEXT.match(SIWS_RE).groups;
  const hash = Buffer.from(enc.hashMessage(SIWS_TEXT)).toString('hex');
  const publicKey = tx.publicKeyFromSignatureRsv(hash, SIWS_SIG);
  if (!enc.verifyMessageSignatureRsv({ signature: SIWS_SIG, message: SIWS_TEXT, publicKey }))
    throw new Error('verifyMessageSignatureRsv');
  const address = tx.getAddressFromPublicKey(publicKey, m.chainId === '1' ? 'mainnet' : 'testnet');
  if (address !== m.address || m.domain !== 'example.com' || m.nonce !== 'foobarbaz1')
    throw new Error('address');
};

// generateWallet also encrypts the phrase with the password; the derivation alone is
// mnemonicToSeed + HDKey + deriveAccount, which is what our Wallet.from_mnemonic + account(0) do.
const bip39 = require('@scure/bip39');
const { HDKey } = require('@scure/bip32');
paths.wallet_from_mnemonic = async () => {
  const seed = await bip39.mnemonicToSeed(MNEMONIC);
  const rootNode = HDKey.fromMasterSeed(seed);
  const salt = await walletSdk.deriveSalt(rootNode);
  return walletSdk.deriveAccount({ rootNode, index: 0, salt, stxDerivationType: 1 });
};

async function run(name, seconds) {
  const fn = paths[name];
  if (!fn) throw new Error(`unknown path ${name}`);
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  let ops = 0;
  while (performance.now() < deadline) {
    for (let i = 0; i < 5; i++) {
      const r = fn();
      if (r && typeof r.then === 'function') await r;
    }
    ops += 5;
  }
  return [ops, (performance.now() - start) / 1000];
}

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const [name, seconds] = line.trim().split(/\s+/);
  if (name === 'list') {
    process.stdout.write(Object.keys(paths).join(' ') + '\n');
    continue;
  }
  try {
    const [ops, elapsed] = await run(name, Number(seconds));
    process.stdout.write(`${ops} ${elapsed}\n`);
  } catch (err) {
    process.stdout.write(`error ${String(err && err.message ? err.message : err)}\n`);
  }
}
