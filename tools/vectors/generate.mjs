#!/usr/bin/env node
// Reference-vector generator for authtokens.
//
//   node generate.mjs [--seed SEED] OUTDIR
//
// Calls only the published APIs of @stacks/auth, @stacks/encryption, @stacks/wallet-sdk,
// @stacks/common, jsontokens and c32check (versions pinned in package.json / package-lock.json)
// and records what they return.  All randomness (keys, mnemonics, payload values, Math.random for
// jti, crypto.randomBytes for ECIES ephemeral keys / IVs / salts) is derived from SEED, and the
// clock is frozen per case, so the same seed always yields byte-identical files.  The two worked
// examples of the spec (§14.2 / §14.3) are produced with the spec's own fixed stubs instead and
// are therefore identical for every seed.

import fs from 'node:fs';
import path from 'node:path';
import * as H from './harness.mjs';

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  let seed = 'authtokens-v1';
  let out = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') seed = argv[++i];
    else if (a.startsWith('--seed=')) seed = a.slice(7);
    else if (a === '-h' || a === '--help') {
      H.out('usage: node generate.mjs [--seed SEED] OUTDIR');
      process.exit(0);
    } else if (out === null) out = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!out || seed === undefined) {
    console.error('usage: node generate.mjs [--seed SEED] OUTDIR');
    process.exit(2);
  }
  return { seed, out };
}

const { seed: SEED, out: OUTDIR } = parseArgs(process.argv.slice(2));
H.quietConsole();
const R = H.loadReference();
const { TokenSigner, TokenVerifier, decodeToken, createUnsecuredToken, SECP256K1Client } =
  R.jsontokens;
const { getPublicKeyFromPrivate, publicKeyToBtcAddress, encryptECIES, decryptECIES } =
  R.encryption;
const { bytesToHex, hexToBytes, utf8ToBytes } = R.common;
const transactions = H.require('@stacks/transactions');

const N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
const GENERATOR = { seed: SEED, packages: H.packageVersions() };

// ---------------------------------------------------------------------------------------------
// Seeded helpers

/** Streams for one case: `data` for our own choices, `lib` / `math` for what the libraries draw. */
function streams(label) {
  return {
    data: new H.HashStream(`${SEED}|${label}|data`),
    bytes: new H.HashStream(`${SEED}|${label}|randomBytes`),
    random: new H.HashStream(`${SEED}|${label}|Math.random`),
  };
}

/** Run fn(data) with the clock frozen at nowMs and the libraries' randomness seeded by label. */
async function seeded(label, nowMs, fn) {
  const s = streams(label);
  return H.within({ nowMs, bytes: s.bytes, random: s.random }, () => fn(s.data));
}

function privFrom(stream) {
  for (;;) {
    const k = BigInt(`0x${stream.hex(32)}`);
    if (k > 0n && k < N) return k.toString(16).padStart(64, '0');
  }
}

const seedStream = new H.HashStream(`${SEED}|global`);
/** A seeded instant between 2024-01-01 and 2029-12-31, with a millisecond part. */
function seededInstant(stream, { wholeSecond = false } = {}) {
  const start = Date.UTC(2024, 0, 1);
  const span = Date.UTC(2030, 0, 1) - start;
  const ms = start + stream.int(span);
  return wholeSecond ? Math.floor(ms / 1000) * 1000 : ms;
}

function b64uToBytes(s) {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
function bytesToB64u(b) {
  return Buffer.from(b).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function sigParts(token) {
  const sig = b64uToBytes(token.split('.')[2]);
  const r = BigInt(`0x${sig.subarray(0, 32).toString('hex')}`);
  const s = BigInt(`0x${sig.subarray(32, 64).toString('hex')}`);
  return { r, s, hex: sig.toString('hex') };
}
function int32hex(x) {
  return x.toString(16).padStart(64, '0');
}
function withSignature(token, rHex, sHex) {
  const [h, p] = token.split('.');
  return `${h}.${p}.${bytesToB64u(Buffer.from(rHex + sHex, 'hex'))}`;
}
/** Same token with s replaced by n - s (the other valid ECDSA signature). */
function flipS(token) {
  const { r, s } = sigParts(token);
  return withSignature(token, int32hex(r), int32hex(N - s));
}
function flipPayloadBit(token, byteIndex = 5, bit = 0) {
  const [h, p, s] = token.split('.');
  const bytes = b64uToBytes(p);
  bytes[byteIndex % bytes.length] ^= 1 << bit;
  return `${h}.${bytesToB64u(bytes)}.${s}`;
}
/** Flip the low bit of the first jti character: the payload stays valid JSON, the signature breaks. */
function tamperJti(token) {
  const [h, p, s] = token.split('.');
  const bytes = b64uToBytes(p);
  const at = bytes.indexOf(Buffer.from('"jti":"')) + 7;
  if (at < 7) throw new Error('no jti');
  bytes[at] ^= 1;
  return `${h}.${bytesToB64u(bytes)}.${s}`;
}
function uncompressed(pubHex) {
  return R.secp.Point.fromHex(pubHex).toHex(false);
}
function addressOf(priv) {
  return publicKeyToBtcAddress(getPublicKeyFromPrivate(priv));
}
function didOf(priv) {
  return R.auth.makeDIDFromAddress(addressOf(priv));
}
/** JSON round trip: drops undefined, turns Uint8Array into plain objects (never used on them). */
function plain(x) {
  return x === undefined ? null : JSON.parse(JSON.stringify(x));
}
async function verdict(fn) {
  try {
    const v = await fn();
    return v;
  } catch (e) {
    return `throws: ${H.errorString(e)}`;
  }
}

function writeJson(name, obj) {
  fs.mkdirSync(OUTDIR, { recursive: true });
  const file = path.join(OUTDIR, name);
  const text = `${JSON.stringify(obj, null, 2)}\n`;
  fs.writeFileSync(file, text);
  return { file, bytes: Buffer.byteLength(text) };
}

// ---------------------------------------------------------------------------------------------
// keys.json

function keyRecord(name, priv) {
  const pub = getPublicKeyFromPrivate(priv);
  const pubU = SECP256K1Client.derivePublicKey(priv, false);
  const btc = publicKeyToBtcAddress(pub);
  const stxMain = R.c32.b58ToC32(btc, 22);
  const stxTest = R.c32.b58ToC32(btc, 26);
  // cross-check c32check against @stacks/transactions (both are wallet-sdk dependencies)
  if (transactions.getAddressFromPublicKey(pub, 'mainnet') !== stxMain) throw new Error('c32 mismatch');
  if (transactions.getAddressFromPublicKey(pub, 'testnet') !== stxTest) throw new Error('c32 mismatch');
  if (uncompressed(pub) !== pubU) throw new Error('uncompressed mismatch');
  return {
    name,
    private_key: priv,
    public_key: pub,
    public_key_uncompressed: pubU,
    btc_address: btc,
    did: R.auth.makeDIDFromAddress(btc),
    btc_address_uncompressed: publicKeyToBtcAddress(pubU),
    stx_mainnet: stxMain,
    stx_testnet: stxTest,
  };
}

function hash160Fast(pubBytes) {
  const sha = H.sha256(pubBytes);
  return H.require('node:crypto').createHash('ripemd160').update(sha).digest();
}

function genKeys() {
  const d = new H.HashStream(`${SEED}|keys|data`);
  const cases = [];
  const fixed = [
    ['scalar 1 (generator point)', int32hex(1n)],
    ['scalar 2', int32hex(2n)],
    ['scalar 3', int32hex(3n)],
    ['scalar n-1', int32hex(N - 1n)],
    ['scalar n-2', int32hex(N - 2n)],
    ['private key with two leading zero bytes', `0000${d.hex(30)}`],
    ['private key with one leading zero byte', `00${d.hex(31)}`],
    ['spec §14.1 transit key', '514f2aa0e63cb0720864bfa079ec0ed2cdf0418a8770c75e1848469a8c3149b2'],
    ['spec §14.1 identity (data) key', '6dad38fa92add38d913bdfb2e646ef4ce2a50a2f39853f848a792835626a5690'],
  ];
  for (const [name, priv] of fixed) cases.push(keyRecord(name, priv));
  for (let i = 0; i < 24; i++) cases.push(keyRecord(`seeded random key ${i}`, privFrom(d)));

  // Keys whose compressed-key hash160 starts with 0x00 (address "11...") and, within a bounded
  // search (~90 % of seeds find one), 0x0000 ("111...").  Deterministic: consecutive scalars from
  // a seeded start, stepping the point by G to keep the search cheap.
  const search = new H.HashStream(`${SEED}|keys|leading-zero-search`);
  let k = BigInt(`0x${privFrom(search)}`);
  let P = R.secp.Point.fromPrivateKey(k);
  let one = 0;
  let two = 0;
  for (let tries = 0; tries < 150000 && (one < 4 || two < 1); tries++, k = (k % (N - 1n)) + 1n, P = P.add(R.secp.Point.BASE)) {
    const h = hash160Fast(P.toRawBytes(true));
    if (h[0] !== 0) continue;
    const priv = int32hex(k);
    if (h[1] === 0 && two < 1) {
      two++;
      cases.push(keyRecord('hash160 starts with two zero bytes (address "111...")', priv));
    } else if (h[1] !== 0 && one < 4) {
      one++;
      cases.push(keyRecord('hash160 starts with a zero byte (address "11...")', priv));
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------
// jwt.json

function jwtPayloads(d) {
  const big = 2 ** 53;
  const p = [
    ['empty object', {}],
    ['simple ascii', { sub: 'alice', iat: 1700000000, admin: false }],
    ['latin-1 and combining characters', { name: 'Zoë Ünïcødé', city: 'Zürich', nfd: 'e\u0301' }],
    ['emoji (astral plane, ZWJ sequence)', { emoji: '🦊🚀👩‍👩‍👧', flag: '🇯🇵' }],
    ['CJK and Hangul', { text: '日本語のテキスト', ko: '한국어', zh: '中文' }],
    ['control characters', { ctl: '\u0000\u0001\b\f\n\r\t\u000b\u001f\u007f\u0080' }],
    ['slash, quote and backslash', { s: 'a/b\\c"d</script>', url: 'https://a.example/x?y=1&z=2' }],
    ['U+2028 and U+2029', { ls: 'a\u2028b\u2029c' }],
    ['lone surrogates', { hi: '\ud800', lo: 'x\udfffy', pair: '\ud83e\udd8a' }],
    ['BOM and non-characters', { bom: '\ufeffstart', nc: '\uffff\ufffe', rep: '\ufffd' }],
    ['nested objects', { a: { b: { c: [1, { d: null, e: { f: 'g' } }] } } }],
    ['arrays of mixed types', { arr: [1, 'two', true, null, [], {}, [[[]]], -1.5] }],
    ['floats', { f1: 0.1, f2: 1e21, f3: 1e-7, f4: 123.456, f5: -0, f6: 0.000001, f7: 1e-6, f8: 0.1 + 0.2 }],
    ['more floats', { a: 1 / 3, b: 5e-324, c: 1.7976931348623157e308, d: 2.5e-7, e: 1e20, f: 1e100, g: -1e-10, h: 100.0 }],
    ['integers near 2^53', { max: big - 1, p: big, p2: big + 2, neg: -(big - 1), e60: 2 ** 60, e64: 2 ** 64 }],
    ['booleans and null', { t: true, f: false, n: null }],
    ['insertion order kept', { z: 1, a: 2, m: 3, b: { y: 1, x: 2 } }],
    ['integer-like keys are ordered first by JS', { b: 'c', 2: 'b', 1: 'a', '-1': 'neg', '01': 'zero-one' }],
    ['undefined members are omitted', { a: undefined, b: 1, c: [undefined, 2] }],
    ['empty key and empty string', { '': '', ' ': ' ' }],
    ['non-ASCII keys', { ключ: 'значение', 'キー': '値', '🔑': '🚪' }],
    ['long string (5000 chars)', { long: 'x'.repeat(4999) + 'é' }],
    ['auth-request shaped', {
      jti: '939ead40-cbd6-40a4-a81b-5f93d71a4e82', iat: 1735689600, exp: 1735693200,
      iss: 'did:btc-addr:19rQDJwvodQm2iL1wv5K93gVptK3QLQbzi',
      public_keys: ['0256114a79d7fe9a9ec0353447122ac63d0d5c1ec90b7c0ec20381b11918710256'],
      domain_name: 'https://app.example.com', scopes: ['store_write'],
    }],
    ['gaia association token shaped (float iat/exp)', {
      childToAssociate: '02a6f56fcf33fd514be764a2ff8be0963990d8cc7e9e4b465d731ce8933d493ec1',
      iss: '02ed9b172e392fd595e7918aa0c21a401a6bc1fba3bfd89872d3b92fabd971710c',
      exp: 1826857687.761, iat: 1795321687.761, salt: 'b8f09dd0ff5964e2f968b2a66de5ed9d',
    }],
    ['numbers as strings', { n: '1e21', m: '-0', k: '0x10' }],
    ['deep nesting (depth 40)', JSON.parse(`${'{"a":'.repeat(40)}0${'}'.repeat(40)}`)],
  ];
  // seeded random payloads
  const alphabet = ['a', 'Z', '0', ' ', 'é', '日', '🦊', '\n', '"', '\\', '/', '\u2028', '\u0001'];
  for (let i = 0; p.length < 44; i++) {
    const obj = {};
    const n = 1 + d.int(5);
    for (let j = 0; j < n; j++) {
      const key = `k${d.int(1000)}`;
      const kind = d.int(5);
      if (kind === 0) obj[key] = d.int(2 ** 31) - 2 ** 30;
      else if (kind === 1) obj[key] = Number((d.double() * 10 ** d.int(30)).toPrecision(1 + d.int(17)));
      else if (kind === 2) obj[key] = Array.from({ length: d.int(12) }, () => d.pick(alphabet)).join('');
      else if (kind === 3) obj[key] = d.int(2) === 1;
      else obj[key] = [d.int(100), d.hex(4)];
    }
    p.push([`seeded random payload ${i}`, obj]);
  }
  return p;
}

async function genJwt() {
  const d = new H.HashStream(`${SEED}|jwt|data`);
  const keys = Array.from({ length: 6 }, () => privFrom(d));
  const cases = [];
  const payloads = jwtPayloads(d);
  let extra = 0;
  const add = (name, priv, payload) => {
    const pub = getPublicKeyFromPrivate(priv);
    const token = new TokenSigner('ES256K', priv).sign(payload);
    const { s, hex } = sigParts(token);
    if (!new TokenVerifier('ES256K', pub).verify(token)) throw new Error('self-verify failed');
    cases.push({
      name,
      private_key: priv,
      public_key: pub,
      payload: plain(payload),
      payload_json: JSON.stringify(payload),
      token,
      high_s: s > N / 2n,
      signature_hex: hex,
    });
  };
  payloads.forEach(([name, payload], i) => add(name, keys[i % keys.length], payload));
  // make sure both signature halves are well represented (RFC 6979 gives ~50 % high-S)
  const count = (v) => cases.filter((c) => c.high_s === v).length;
  while ((count(true) < 12 || count(false) < 12) && extra < 200) {
    add(`extra seeded payload ${extra}`, keys[extra % keys.length], { n: extra, r: d.hex(8) });
    extra++;
  }
  // fixed-key case (spec §14.1 transit key) so the signer can be checked against known data
  add('spec transit key, simple payload', '514f2aa0e63cb0720864bfa079ec0ed2cdf0418a8770c75e1848469a8c3149b2', { hello: 'world' });
  // a 66-char (…01) private key is accepted by TokenSigner and gives the same signature
  add('66-char private key with 01 suffix', `${keys[0]}01`, { compressedSuffix: true });
  cases[cases.length - 1].public_key = getPublicKeyFromPrivate(keys[0]);

  // verify_cases
  const v = [];
  const hi = cases.find((c) => c.high_s);
  const lo = cases.find((c) => !c.high_s);
  const other = privFrom(d);
  const rec = (name, token, pub, note) => {
    let valid;
    let error;
    try {
      valid = new TokenVerifier('ES256K', pub).verify(token);
    } catch (e) {
      valid = 'throws';
      error = H.errorString(e);
    }
    const c = { name, token, public_key: pub, valid };
    if (error !== undefined) c.error = error;
    if (note) c.note = note;
    v.push(c);
  };
  const [h, pl, sg] = lo.token.split('.');
  const { r: loR, s: loS } = sigParts(lo.token);
  rec('valid (low-S)', lo.token, lo.public_key);
  rec('valid (high-S)', hi.token, hi.public_key);
  rec('low-S twin of the high-S token (s -> n-s)', flipS(hi.token), hi.public_key);
  rec('high-S twin of the low-S token (s -> n-s)', flipS(lo.token), lo.public_key);
  rec('flipped bit in payload', flipPayloadBit(lo.token, 3, 2), lo.public_key);
  rec('flipped bit in header', `${bytesToB64u(b64uToBytes(h).map((x, i) => (i === 2 ? x ^ 1 : x)))}.${pl}.${sg}`, lo.public_key);
  rec('flipped bit in signature', withSignature(lo.token, int32hex(loR), int32hex(loS ^ 1n)), lo.public_key);
  rec('wrong public key', lo.token, getPublicKeyFromPrivate(other));
  rec('uncompressed public key form', lo.token, uncompressed(lo.public_key));
  const even = cases.find((c) => c.public_key.startsWith('02'));
  const odd = cases.find((c) => c.public_key.startsWith('03'));
  rec('x-only (32-byte) public key form of an even-y (02) key', even.token, even.public_key.slice(2),
    'noble reads a 32-byte key as the even-y point');
  rec('x-only (32-byte) public key form of an odd-y (03) key', odd.token, odd.public_key.slice(2),
    'noble reads a 32-byte key as the even-y point, which is the wrong point here');
  rec('upper-case hex public key', lo.token, lo.public_key.toUpperCase());
  rec('public key is not hex', lo.token, 'zz'.repeat(33));
  rec('public key with bad prefix 05', lo.token, `05${lo.public_key.slice(2)}`);
  rec('signature 63 bytes', `${h}.${pl}.${bytesToB64u(b64uToBytes(sg).subarray(0, 63))}`, lo.public_key);
  rec('signature 65 bytes', `${h}.${pl}.${bytesToB64u(Buffer.concat([b64uToBytes(sg), Buffer.from([0])]))}`, lo.public_key);
  rec('signature DER-encoded instead of r||s', `${h}.${pl}.${bytesToB64u(Buffer.from(new R.secp.Signature(loR, loS).toDERRawBytes()))}`, lo.public_key);
  rec('empty signature', `${h}.${pl}.`, lo.public_key);
  rec('two segments only', `${h}.${pl}`, lo.public_key);
  rec('trailing .junk segment', `${lo.token}.junk`, lo.public_key);
  rec('signature in standard base64 alphabet with padding', `${h}.${pl}.${b64uToBytes(sg).toString('base64')}`, lo.public_key);
  rec('signature with an illegal character', `${h}.${pl}.*${sg.slice(1)}`, lo.public_key,
    'base64-js maps an illegal character to 0; the signature changes and fails');
  const hs = new TokenSigner('ES256K', lo.private_key).sign(lo.payload, false, { alg: 'HS256' });
  rec('header alg HS256 with a valid ES256K signature', hs, lo.public_key);
  const noneHdr = new TokenSigner('ES256K', lo.private_key).sign(lo.payload, false, { alg: 'none' });
  rec('header alg none with a valid ES256K signature', noneHdr, lo.public_key);
  rec('unsecured token (alg none, empty signature)', createUnsecuredToken(lo.payload), lo.public_key);
  const zero = int32hex(0n);
  const nHex = int32hex(N);
  rec('r = 0', withSignature(lo.token, zero, int32hex(loS)), lo.public_key);
  rec('s = 0', withSignature(lo.token, int32hex(loR), zero), lo.public_key);
  rec('r = n', withSignature(lo.token, nHex, int32hex(loS)), lo.public_key);
  rec('s = n', withSignature(lo.token, int32hex(loR), nHex), lo.public_key);
  rec('r = r + n (overflows 32 bytes: r - n + 2^256 wraps)', withSignature(lo.token, int32hex((loR + N) % 2n ** 256n), int32hex(loS)), lo.public_key);
  rec('r and s all 0xff', withSignature(lo.token, 'f'.repeat(64), 'f'.repeat(64)), lo.public_key);
  // header/payload re-encoded with padding: signing input changes, so invalid
  rec('payload segment with = padding added', `${h}.${pl}${'='.repeat((4 - (pl.length % 4)) % 4 || 0)}.${sg}`, lo.public_key,
    'padding changes the signing input only when the segment length is not a multiple of 4');
  const laxReasons = {
    'x-only (32-byte) public key form of an even-y (02) key': 'x-only keys SHOULD be rejected (spec §2.2 item 5)',
    'signature in standard base64 alphabet with padding': 'lenient base64url input (spec §1, §13)',
    'trailing .junk segment': 'segments after the third are ignored (spec §2.2, §12.18)',
    'header alg HS256 with a valid ES256K signature': 'header alg is not checked (spec §2.2, §12.18)',
    'header alg none with a valid ES256K signature': 'header alg is not checked (spec §2.2, §12.18)',
  };
  for (const c of v) {
    if (laxReasons[c.name] === undefined) continue;
    if (c.valid !== true) throw new Error(`lax annotation on a rejected case: ${c.name}`);
    c.stricter_than_reference = laxReasons[c.name];
  }
  if (Object.keys(laxReasons).some((n) => !v.some((c) => c.name === n))) throw new Error('lax name typo');
  return { generator: GENERATOR, cases, verify_cases: v };
}

// ---------------------------------------------------------------------------------------------
// ecies.json

async function genEcies() {
  const cases = [];
  const specs = [
    ['empty bytes', { bytes: 0 }],
    ['1 byte', { bytes: 1 }],
    ['15 bytes', { bytes: 15 }],
    ['16 bytes (full block, adds a padding block)', { bytes: 16 }],
    ['17 bytes', { bytes: 17 }],
    ['31 bytes', { bytes: 31 }],
    ['32 bytes', { bytes: 32 }],
    ['33 bytes', { bytes: 33 }],
    ['64 bytes', { bytes: 64 }],
    ['1000 bytes', { bytes: 1000 }],
    ['all-zero 48 bytes', { fixed: Buffer.alloc(48) }],
    ['non-UTF-8 bytes', { fixed: Buffer.from('fffe80c0c1f5ff00', 'hex') }],
    ['empty string', { str: '' }],
    ['ascii string', { str: 'hello world' }],
    ['unicode string', { str: 'Zürich 日本語 한국어 🦊 \u2028 "quoted" \\ /' }],
    ['string with NUL and controls', { str: 'a\u0000b\u0001\n\t' }],
    ['app private key (64 hex chars as string)', { str: 'appkey' }],
    ['long string (1000 chars)', { str: 'long' }],
    ['uncompressed recipient key, bytes', { bytes: 40, uncompressed: true }],
    ['uncompressed recipient key, string', { str: 'to an uncompressed key', uncompressed: true }],
    ['uncompressed recipient key, empty', { bytes: 0, uncompressed: true }],
    ['base64 encoding, bytes', { bytes: 33, enc: 'base64' }],
    ['base64 encoding, empty bytes', { bytes: 0, enc: 'base64' }],
    ['base64 encoding, string', { str: 'base64 ✓ 🦊', enc: 'base64' }],
    ['base64 encoding, 1000 bytes', { bytes: 1000, enc: 'base64' }],
    ['explicit hex encoding argument', { bytes: 20, enc: 'hex' }],
    ['base64 encoding, uncompressed recipient', { bytes: 17, enc: 'base64', uncompressed: true }],
    ['recipient private key with leading zero byte', { bytes: 24, leadingZero: true }],
    ['wasString=false for text bytes', { str: 'text sent as bytes', asBytes: true }],
  ];
  let idx = 0;
  for (const [name, spec] of specs) {
    const label = `ecies|${idx++}`;
    const c = await seeded(label, seededInstant(seedStream), async (d) => {
      let priv = privFrom(d);
      if (spec.leadingZero) priv = `00${priv.slice(2)}`;
      const pubC = getPublicKeyFromPrivate(priv);
      const pub = spec.uncompressed ? uncompressed(pubC) : pubC;
      let content;
      let wasString = false;
      let str;
      if (spec.str !== undefined) {
        str = spec.str;
        if (str === 'appkey') str = privFrom(d);
        if (str === 'long') str = Array.from({ length: 1000 }, () => d.pick(['a', 'é', '日', '🦊'])).join('').slice(0, 1000);
        content = utf8ToBytes(str);
        wasString = !spec.asBytes;
      } else if (spec.fixed) content = new Uint8Array(spec.fixed);
      else content = new Uint8Array(d.take(spec.bytes));
      const cipher = await encryptECIES(pub, content, wasString, spec.enc);
      const dec = await decryptECIES(priv, cipher);
      const decrypted = typeof dec === 'string' ? dec : bytesToHex(dec);
      const out = {
        name,
        private_key: priv,
        public_key: pub,
        plaintext_hex: bytesToHex(content),
        was_string: wasString,
      };
      if (wasString) out.plaintext_str = str;
      out.cipher_text_encoding = spec.enc === 'base64' ? 'base64' : 'hex';
      if (spec.enc !== undefined) out.encoding_argument = spec.enc;
      out.cipher = plain(cipher);
      out.decrypts = true;
      out.decrypted = decrypted;
      return out;
    });
    cases.push(c);
  }

  // tamper_cases
  const tamper = [];
  const base = await seeded('ecies|tamper-base', seededInstant(seedStream), async (d) => {
    const priv = privFrom(d);
    const other = privFrom(d);
    const text = 'tamper me: 0123456789abcdef0123456789abcdef';
    const cipher = await encryptECIES(getPublicKeyFromPrivate(priv), utf8ToBytes(text), true);
    const otherPoint = getPublicKeyFromPrivate(privFrom(d));
    return { priv, other, cipher, otherPoint, text };
  });
  const { priv, other, cipher, otherPoint } = base;
  const flipHex = (hex, nibble = 0) => {
    const b = Buffer.from(hex, 'hex');
    b[nibble] ^= 1;
    return b.toString('hex');
  };
  const sharedKeys = (ephHex) => {
    const x = R.secp.getSharedSecret(priv, ephHex, true).slice(1);
    const k = R.encryption.hashSha512Sync(x);
    return { enc: k.slice(0, 32), mac: k.slice(32) };
  };
  const macOver = (ivHex, ephHex, ctBytes) =>
    bytesToHex(R.encryption.hmacSha256(sharedKeys(ephHex).mac, R.common.concatBytes(hexToBytes(ivHex), hexToBytes(ephHex), ctBytes)));
  const T = async (name, c, key = priv, note) => {
    let result;
    let err;
    let decrypted;
    try {
      const out = await decryptECIES(key, c);
      result = 'ok';
      decrypted = typeof out === 'string' ? out : bytesToHex(out);
    } catch (e) {
      result = 'error';
      err = H.errorString(e);
    }
    const rec = { name, private_key: key, cipher: plain(c), reference_result: result };
    if (err !== undefined) rec.error_message = err;
    if (decrypted !== undefined) rec.decrypted = decrypted;
    if (note) rec.note = note;
    tamper.push(rec);
  };
  await T('untampered', cipher);
  await T('flipped mac bit', { ...cipher, mac: flipHex(cipher.mac) });
  await T('flipped ciphertext bit', { ...cipher, cipherText: flipHex(cipher.cipherText, 20) });
  await T('flipped iv bit', { ...cipher, iv: flipHex(cipher.iv, 3) });
  await T('wrong private key', cipher, other);
  await T('66-char private key (01 suffix)', cipher, `${priv}01`);
  await T('ephemeralPK replaced by another valid point', { ...cipher, ephemeralPK: otherPoint });
  {
    const { ephemeralPK, ...rest } = cipher;
    void ephemeralPK;
    await T('missing ephemeralPK', rest);
  }
  await T('empty ephemeralPK', { ...cipher, ephemeralPK: '' });
  await T('ephemeralPK not on the curve', { ...cipher, ephemeralPK: `02${'0'.repeat(63)}5` });
  await T('truncated ciphertext (last block dropped)', { ...cipher, cipherText: cipher.cipherText.slice(0, -32) });
  {
    const ct = hexToBytes(cipher.cipherText.slice(0, -32));
    await T('truncated ciphertext with MAC recomputed', { ...cipher, cipherText: bytesToHex(ct), mac: macOver(cipher.iv, cipher.ephemeralPK, ct) },
      priv, 'MAC passes; AES-CBC unpadding of the shortened ciphertext decides');
  }
  {
    const eph65 = uncompressed(cipher.ephemeralPK);
    await T('uncompressed ephemeralPK, MAC recomputed over the 65 bytes', { ...cipher, ephemeralPK: eph65, mac: macOver(cipher.iv, eph65, hexToBytes(cipher.cipherText)) });
    await T('uncompressed ephemeralPK, original MAC (legacy re-compressing decrypter would accept)', { ...cipher, ephemeralPK: eph65 });
  }
  await T('cipherTextEncoding "base64" with hex data', { ...cipher, cipherTextEncoding: 'base64' });
  await T('cipherTextEncoding "hex" explicit', { ...cipher, cipherTextEncoding: 'hex' });
  await T('unknown cipherTextEncoding', { ...cipher, cipherTextEncoding: 'base58' });
  await T('upper-case hex fields', { ...cipher, iv: cipher.iv.toUpperCase(), cipherText: cipher.cipherText.toUpperCase(), mac: cipher.mac.toUpperCase(), ephemeralPK: cipher.ephemeralPK.toUpperCase() },
    priv, 'hex input is case-insensitive; the MAC covers bytes');
  await T('wasString flipped to false (not covered by the MAC)', { ...cipher, wasString: false });
  await T('wasString removed', (({ wasString, ...r }) => (void wasString, r))(cipher));
  await T('mac truncated to 16 bytes', { ...cipher, mac: cipher.mac.slice(0, 32) });
  await T('mac empty', { ...cipher, mac: '' });
  await T('odd-length hex ciphertext', { ...cipher, cipherText: cipher.cipherText.slice(0, -1) });
  await T('non-hex characters in mac', { ...cipher, mac: `zz${cipher.mac.slice(2)}` });
  {
    // base64 object, then the same ciphertext given with the URL-safe alphabet
    const b64 = await seeded('ecies|tamper-b64', seededInstant(seedStream), () =>
      encryptECIES(getPublicKeyFromPrivate(priv), utf8ToBytes('base64 variant ~~~??? >>>'), true, 'base64'));
    await T('base64 cipher, untampered', b64);
    await T('base64 cipher given as hex (encoding field removed)', (({ cipherTextEncoding, ...r }) => (void cipherTextEncoding, r))(b64));
    await T('base64 cipher without padding', { ...b64, cipherText: b64.cipherText.replace(/=+$/, '') });
    await T('base64 cipher in URL-safe alphabet', { ...b64, cipherText: b64.cipherText.replace(/\+/g, '-').replace(/\//g, '_') });
  }

  // wrapped_keys (encryptPrivateKey / decryptPrivateKey, @stacks/auth)
  const wrapped = [];
  for (let i = 0; i < 10; i++) {
    const w = await seeded(`ecies|wrapped|${i}`, seededInstant(seedStream), async (d) => {
      const transit = privFrom(d);
      let app = privFrom(d);
      if (i === 1) app = `00${app.slice(2)}`;
      if (i === 2) app = `${app}01`;
      if (i === 3) app = 'core-token: not a key, ünïcode ✓';
      if (i === 4) app = '';
      const transitPub = getPublicKeyFromPrivate(transit);
      const wrappedHex = await R.authMessages.encryptPrivateKey(transitPub, app);
      const rec = {
        transit_private_key: transit,
        transit_public_key: transitPub,
        app_private_key: app,
        wrapped_hex: wrappedHex,
        decrypted: await verdict(() => R.auth.decryptPrivateKey(transit, wrappedHex)),
      };
      if (i === 1) rec.note = 'app key with a leading zero byte stays 64 chars';
      if (i === 2) rec.note = '66-char key with 01 suffix is wrapped verbatim';
      if (i === 3) rec.note = 'arbitrary string (core_token is wrapped the same way)';
      if (i === 4) rec.note = 'empty string';
      return rec;
    });
    wrapped.push(w);
  }
  return { generator: GENERATOR, cases, tamper_cases: tamper, wrapped_keys: wrapped };
}

// ---------------------------------------------------------------------------------------------
// wallet.json

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const SOUND =
  'sound idle panel often situate develop unit text design antenna vendor screen opinion balcony share trigger accuse scatter visa uniform brass update opinion media';

function appDomains(d) {
  // exactly 200 characters: 8 + 63 + 1 + 63 + 1 + 56 + 8
  const l200 = `https://${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(56)}.example`;
  if (l200.length !== 200) throw new Error('l200');
  void d;
  return [
    'https://app.example.com',
    'https://app.example.com/',
    'http://app.example.com',
    'app.example.com',
    'https://APP.example.com',
    'https://banter.pub',
    'http://localhost:3000',
    'https://bücher.example',
    'https://xn--bcher-kva.example',
    'https://例え.jp',
    '',
    'https://app.example.com:8443',
    l200,
    'https://🦊.example',
    'https://app.example.com/ 🚀 𝕏',
  ];
}

async function loadWallet(label, mnemonic) {
  return seeded(label, seededInstant(seedStream), async () => {
    let wallet = await R.wallet.generateWallet({ secretKey: mnemonic, password: '' });
    wallet = R.wallet.generateNewAccount(wallet);
    wallet = R.wallet.generateNewAccount(wallet);
    return wallet;
  });
}

async function genWallet() {
  const d = new H.HashStream(`${SEED}|wallet|data`);
  const mnemonics = [
    ['BIP39 test phrase (12 words)', ABANDON],
    ['upstream wallet-sdk test phrase (24 words)', SOUND],
  ];
  for (let i = 0; i < 6; i++) {
    const bits = i % 2 === 0 ? 128 : 256;
    const m = await seeded(`wallet|mnemonic|${i}`, seededInstant(seedStream), () => R.wallet.generateSecretKey(bits));
    if (!R.bip39.validateMnemonic(m, R.bip39English.wordlist)) throw new Error('bad mnemonic');
    mnemonics.push([`seeded generateSecretKey(${bits})`, m]);
  }
  const domains = appDomains(d);
  const cases = [];
  for (const [i, [name, mnemonic]] of mnemonics.entries()) {
    const wallet = await loadWallet(`wallet|${i}`, mnemonic);
    const root = R.wallet.getRootNode(wallet);
    const accounts = wallet.accounts.map((account) => {
      const dataPub = getPublicKeyFromPrivate(account.dataPrivateKey);
      return {
        index: account.index,
        data_private_key: account.dataPrivateKey,
        data_public_key: dataPub,
        apps_key: account.appsKey,
        stx_private_key: account.stxPrivateKey,
        identity_address: publicKeyToBtcAddress(dataPub),
        stx_mainnet: R.wallet.getStxAddress({ account, network: 'mainnet' }),
        stx_testnet: R.wallet.getStxAddress({ account, network: 'testnet' }),
        salt: account.salt,
        app_keys: domains.map((appDomain) => {
          const hash = bytesToHex(R.encryption.hashSha256Sync(utf8ToBytes(`${appDomain}${account.salt}`)));
          return {
            app_domain: appDomain,
            domain_hash: hash,
            hash_code: R.encryption.hashCode(hash),
            app_private_key: R.wallet.getAppPrivateKey({ account, appDomain }),
          };
        }),
      };
    });
    cases.push({
      name,
      mnemonic,
      password: '',
      bip39_passphrase: '',
      salt: wallet.salt,
      root_xprv: wallet.rootKey,
      config_private_key: wallet.configPrivateKey,
      legacy_config_private_key: R.wallet.deriveLegacyConfigPrivateKey(root),
      accounts,
    });
  }
  return { generator: GENERATOR, cases };
}

// ---------------------------------------------------------------------------------------------
// auth_requests.json

const SPEC_TRANSIT = '514f2aa0e63cb0720864bfa079ec0ed2cdf0418a8770c75e1848469a8c3149b2';
const SPEC_T0 = 1735689600000;
const SPEC_A_TOKEN =
  'eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NksifQ.eyJhcHBEZXRhaWxzIjp7Im5hbWUiOiJFeGFtcGxlIEFwcCIsImljb24iOiJodHRwczovL2FwcC5leGFtcGxlLmNvbS9pY29uLnBuZyJ9LCJqdGkiOiI5MzllYWQ0MC1jYmQ2LTQwYTQtYTgxYi01ZjkzZDcxYTRlODIiLCJpYXQiOjE3MzU2ODk2MDAsImV4cCI6MTczNTY5MzIwMCwiaXNzIjoiZGlkOmJ0Yy1hZGRyOjE5clFESnd2b2RRbTJpTDF3djVLOTNnVnB0SzNRTFFiemkiLCJwdWJsaWNfa2V5cyI6WyIwMjU2MTE0YTc5ZDdmZTlhOWVjMDM1MzQ0NzEyMmFjNjNkMGQ1YzFlYzkwYjdjMGVjMjAzODFiMTE5MTg3MTAyNTYiXSwiZG9tYWluX25hbWUiOiJodHRwczovL2FwcC5leGFtcGxlLmNvbSIsIm1hbmlmZXN0X3VyaSI6Imh0dHBzOi8vYXBwLmV4YW1wbGUuY29tL21hbmlmZXN0Lmpzb24iLCJyZWRpcmVjdF91cmkiOiJodHRwczovL2FwcC5leGFtcGxlLmNvbS8iLCJ2ZXJzaW9uIjoiMS40LjAiLCJkb19ub3RfaW5jbHVkZV9wcm9maWxlIjp0cnVlLCJzdXBwb3J0c19odWJfdXJsIjp0cnVlLCJzY29wZXMiOlsic3RvcmVfd3JpdGUiLCJwdWJsaXNoX2RhdGEiXX0.mps7cVoLqczFRncK38oR1hXdTqIMD-15FbZQ7ZHqf-HqXdniUhxJhzs0Xd1Upsg54Uz4pGNR35maUSo7B9Go3w';
const SPEC_B_SIG =
  '3GhezYHhwhn3_X-MQh5k3ig7KfJ7EYTqaE-07f6IvgVm-dxFxE1qHkd8Y_ru6e-wPS4o8R4O38rW-aUrjLaYsQ';

// the §14 stubs; the Math.random sequence continues from example A into example B
const specRandom = new H.GoldenRandom();
const specReproduced = {};

async function verifyReqAt(token, nowMs) {
  return H.within({ nowMs }, () => verdict(() => R.auth.verifyAuthRequest(token)));
}

/** args as recorded in the vector file (undefined arguments are left out) */
function argsRecord(a) {
  const out = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
  return out;
}

async function genAuthRequests() {
  const cases = [];
  // --- worked example A (spec §14.2), produced with the spec's own stubs
  {
    const args = {
      redirectURI: 'https://app.example.com/',
      manifestURI: 'https://app.example.com/manifest.json',
      scopes: ['store_write', 'publish_data'],
      appDomain: 'https://app.example.com',
      expiresAt: 1735693200000,
      extraParams: { appDetails: { name: 'Example App', icon: 'https://app.example.com/icon.png' } },
    };
    const token = await H.within({ nowMs: SPEC_T0, bytes: new H.SpecBlockStream(), random: specRandom }, () =>
      R.auth.makeAuthRequestToken(SPEC_TRANSIT, args.redirectURI, args.manifestURI, args.scopes, args.appDomain, args.expiresAt, args.extraParams));
    specReproduced.A = token === SPEC_A_TOKEN;
    if (!specReproduced.A) console.error('WARNING: spec example A NOT reproduced');
    cases.push({
      name: 'spec §14.2 example A',
      transit_private_key: SPEC_TRANSIT,
      args: argsRecord(args),
      generated_at_ms: SPEC_T0,
      token,
      now_ms: SPEC_T0,
      reference_valid: await verifyReqAt(token, SPEC_T0),
      matches_spec: specReproduced.A,
    });
  }

  const O = 'https://app.example.com';
  let n = 0;
  const make = async (name, argsIn, { via = 'makeAuthRequestToken', genMs, nowOffsetMs = 90_000, note } = {}) => {
    const label = `authreq|${n++}`;
    const s = streams(label);
    const transit = privFrom(s.data);
    const gen = genMs ?? seededInstant(s.data);
    const a = {
      redirectURI: `${O}/`,
      manifestURI: `${O}/manifest.json`,
      scopes: ['store_write'],
      appDomain: O,
      expiresAt: gen + 3600_000,
      extraParams: undefined,
      ...argsIn,
    };
    const token = await H.within({ nowMs: gen, bytes: s.bytes, random: s.random }, () => {
      if (via === 'UserSession') {
        const cfg = new R.auth.AppConfig(a.scopes, a.appDomain);
        const us = new R.auth.UserSession({ appConfig: cfg });
        return us.makeAuthRequestToken(transit, a.redirectURI, a.manifestURI, a.scopes, a.appDomain, a.expiresAt, a.extraParams);
      }
      return R.auth.makeAuthRequestToken(transit, a.redirectURI, a.manifestURI, a.scopes, a.appDomain, a.expiresAt, a.extraParams);
    });
    const nowMs = gen + nowOffsetMs;
    const c = {
      name,
      transit_private_key: transit,
      via,
      args: argsRecord(a),
      generated_at_ms: gen,
      token,
      now_ms: nowMs,
      reference_valid: await verifyReqAt(token, nowMs),
    };
    if (note) c.note = note;
    cases.push(c);
    return c;
  };

  const jan31 = (() => {
    const y = 2025 + seedStream.int(5);
    return Date.UTC(y, 0, 31, 12, 0, 0) + seedStream.int(1000);
  })();
  await make('default scopes, expiresAt and extraParams', { scopes: undefined, expiresAt: undefined },
    { note: 'scopes default ["store_write"], expiresAt default nextMonth() in UTC' });
  await make('default expiresAt on Jan 31 (setMonth overflow)', { expiresAt: undefined }, { genMs: jan31,
    note: 'nextMonth() on Jan 31 overflows into March' });
  await make('scopes empty', { scopes: [] });
  await make('scopes store_write + publish_data', { scopes: ['store_write', 'publish_data'] });
  await make('scopes store_write + publish_data + email', { scopes: ['store_write', 'publish_data', 'email'] });
  await make('scopes collection.contact', { scopes: ['store_write', 'collection.contact'] });
  await make('scopes duplicated and unknown', { scopes: ['store_write', 'store_write', 'x-unknown', ''] },
    { note: 'no validation or de-duplication' });
  await make('extraParams appDetails', { extraParams: { appDetails: { name: 'Example App', icon: `${O}/icon.png` } } });
  await make('extraParams appDetails unicode name', { extraParams: { appDetails: { name: 'Ünïcødé 🚀 アプリ \u2028', icon: `${O}/ï.png` } } });
  await make('extraParams sendToSignIn + connectVersion', { extraParams: { sendToSignIn: true, connectVersion: '7.10.0', appDetails: { name: 'X', icon: `${O}/i.png` } } });
  await make('extraParams colliding with fixed keys (jti, version, scopes)', {
    extraParams: { jti: 'attacker-chosen', version: '9.9.9', scopes: ['admin'], appDetails: { name: 'A' } },
  }, { note: 'colliding keys keep their early position but take the fixed value' });
  await make('extraParams with undefined and null members', { extraParams: { a: undefined, b: null, c: 0 } });
  await make('extraParams client ios', { extraParams: { client: 'ios' } });
  {
    const s = new H.HashStream(`${SEED}|authreq|explicit-ms`);
    const gen = seededInstant(s);
    await make('expiresAt not a whole second', { expiresAt: gen + 1_800_999 }, { genMs: gen });
  }
  await make('expiresAt far future (year 2100)', { expiresAt: Date.UTC(2100, 0, 1) });
  await make('expiresAt already past when made', {}, { nowOffsetMs: 3600_000 + 1000,
    note: 'verified 1 s after exp' });
  await make('verified exactly at exp', {}, { nowOffsetMs: 3600_000,
    note: 'expired only when now > exp*1000' }).then((c) => {
    // generated_at may have a ms part; make now exactly exp*1000
    const exp = decodeToken(c.token).payload.exp;
    c.now_ms = exp * 1000;
  });
  await make('localhost http origin', { redirectURI: 'http://localhost:3000/', manifestURI: 'http://localhost:3000/manifest.json', appDomain: 'http://localhost:3000' });
  await make('origin with explicit port', { redirectURI: 'https://app.example.com:8443/cb', manifestURI: 'https://app.example.com:8443/manifest.json', appDomain: 'https://app.example.com:8443' });
  await make('IDN origin (bücher) with punycode redirect', { appDomain: 'https://bücher.example', redirectURI: 'https://xn--bcher-kva.example/', manifestURI: 'https://bücher.example/manifest.json' },
    { note: 'WHATWG URL maps both to the punycode hostname' });
  await make('redirect path and query differ from origin', { redirectURI: `${O}/auth/callback?x=1#frag` });
  await make('explicit default port :443', { redirectURI: 'https://app.example.com:443/', manifestURI: `${O}/manifest.json` });
  await make('UserSession.makeAuthRequestToken defaults (nextHour, no trailing slash)', { redirectURI: O, expiresAt: undefined },
    { via: 'UserSession', note: 'UserSession default expiresAt is nextHour()' });
  for (let i = 0; i < 4; i++) await make(`seeded random request ${i}`, {});
  // Recompute the verify for cases whose now_ms was edited after creation
  for (const c of cases) c.reference_valid = await verifyReqAt(c.token, c.now_ms);

  // --- hostile variants: re-signed with the same transit key (jsontokens TokenSigner)
  const baseCase = cases[cases.length - 1];
  const baseKey = baseCase.transit_private_key;
  const basePayload = decodeToken(baseCase.token).payload;
  const baseGen = baseCase.generated_at_ms;
  const baseNow = baseCase.now_ms;
  const otherKey = privFrom(new H.HashStream(`${SEED}|authreq|other-key`));
  const hostile = async (name, token, { nowMs = baseNow, key = baseKey, note } = {}) => {
    const c = {
      name,
      transit_private_key: key,
      via: 'hostile (re-signed with jsontokens TokenSigner unless noted)',
      generated_at_ms: baseGen,
      token,
      now_ms: nowMs,
      reference_valid: await verifyReqAt(token, nowMs),
    };
    if (note) c.note = note;
    cases.push(c);
  };
  const sign = (payload, key = baseKey, header) => new TokenSigner('ES256K', key).sign(payload, false, header);
  const mod = (changes) => {
    const p = { ...basePayload };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete p[k];
      else p[k] = v;
    }
    return p;
  };
  const exp = basePayload.exp;
  const iat = basePayload.iat;
  await hostile('re-signed unchanged payload (control)', sign(basePayload));
  await hostile('expired: now 1 ms after exp', baseCase.token, { nowMs: exp * 1000 + 1 });
  await hostile('expired: now 1 day after exp', baseCase.token, { nowMs: exp * 1000 + 86400_000 });
  await hostile('iat in the future by 60 s', sign(mod({ iat: Math.floor(baseNow / 1000) + 60 })));
  await hostile('iat in the future by 1 s', sign(mod({ iat: Math.floor(baseNow / 1000) + 1 })));
  await hostile('verified 1 ms before iat', baseCase.token, { nowMs: iat * 1000 - 1 });
  await hostile('redirect_uri on another origin', sign(mod({ redirect_uri: 'https://evil.example/' })));
  await hostile('manifest_uri on another origin', sign(mod({ manifest_uri: 'https://evil.example/manifest.json' })));
  await hostile('redirect_uri userinfo trick', sign(mod({ redirect_uri: 'https://app.example.com@evil.example/' })));
  await hostile('redirect_uri with userinfo on the right host', sign(mod({ redirect_uri: 'https://user:pw@app.example.com/' })),
    { note: 'userinfo is ignored by the origin check' });
  await hostile('redirect_uri javascript:', sign(mod({ redirect_uri: 'javascript:alert(1)' })));
  await hostile('redirect_uri javascript: mentioning https://', sign(mod({ redirect_uri: 'javascript:alert("https://app.example.com")' })));
  await hostile('redirect_uri http instead of https', sign(mod({ redirect_uri: 'http://app.example.com/' })));
  await hostile('redirect_uri different port', sign(mod({ redirect_uri: 'https://app.example.com:8443/' })));
  await hostile('redirect_uri subdomain', sign(mod({ redirect_uri: 'https://evil.app.example.com/' })));
  await hostile('redirect_uri upper-case scheme HTTPS://', sign(mod({ redirect_uri: 'HTTPS://app.example.com/' })),
    { note: 'the absolute-URL test is a case-sensitive substring search' });
  await hostile('redirect_uri upper-case host', sign(mod({ redirect_uri: 'https://APP.EXAMPLE.COM/' })));
  await hostile('redirect_uri relative path', sign(mod({ redirect_uri: '/callback' })));
  await hostile('domain_name custom scheme', sign(mod({ domain_name: 'myapp://app', redirect_uri: 'myapp://app/cb', manifest_uri: 'myapp://app/manifest.json' })));
  await hostile('IDN: domain_name bücher, redirect/manifest punycode', sign(mod({
    domain_name: 'https://bücher.example', redirect_uri: 'https://xn--bcher-kva.example/', manifest_uri: 'https://xn--bcher-kva.example/manifest.json',
  })));
  await hostile('alg none (createUnsecuredToken)', createUnsecuredToken(basePayload));
  await hostile('alg "None" unsecured (case variant)', (() => {
    const t = createUnsecuredToken(basePayload).split('.');
    return `${bytesToB64u(Buffer.from('{"typ":"JWT","alg":"None"}'))}.${t[1]}.`;
  })());
  await hostile('alg none header with a valid signature', sign(basePayload, baseKey, { alg: 'none' }));
  await hostile('header alg HS256 with a valid ES256K signature', sign(basePayload, baseKey, { alg: 'HS256' }));
  await hostile('issuer of another key', sign(mod({ iss: didOf(otherKey) })));
  await hostile('signed by another key, public_keys/iss of that key (self-consistent)',
    sign(mod({ iss: didOf(otherKey), public_keys: [getPublicKeyFromPrivate(otherKey)] }), otherKey), { key: otherKey,
      note: 'anyone can mint a self-consistent request; nothing binds it to the app' });
  await hostile('public_keys of another key, signed by the transit key', sign(mod({ public_keys: [getPublicKeyFromPrivate(otherKey)] })));
  await hostile('public_keys with 2 keys', sign(mod({ public_keys: [getPublicKeyFromPrivate(baseKey), getPublicKeyFromPrivate(otherKey)] })));
  await hostile('public_keys empty', sign(mod({ public_keys: [] })));
  await hostile('public_keys missing', sign(mod({ public_keys: undefined })));
  await hostile('public_keys uncompressed with matching iss', sign(mod({
    public_keys: [uncompressed(getPublicKeyFromPrivate(baseKey))],
    iss: R.auth.makeDIDFromAddress(publicKeyToBtcAddress(uncompressed(getPublicKeyFromPrivate(baseKey)))),
  })));
  await hostile('public_keys uncompressed, iss of compressed key', sign(mod({ public_keys: [uncompressed(getPublicKeyFromPrivate(baseKey))] })));
  await hostile('tampered payload (bit flip in jti, not re-signed)', tamperJti(baseCase.token));
  await hostile('tampered payload, JSON broken (first byte { -> z)', flipPayloadBit(baseCase.token, 0, 0));
  await hostile('high-S/low-S twin of the request signature', flipS(baseCase.token));
  await hostile('trailing .junk segment', `${baseCase.token}.junk`);
  await hostile('missing exp', sign(mod({ exp: undefined })));
  await hostile('exp as string', sign(mod({ exp: String(exp) })));
  await hostile('exp 0', sign(mod({ exp: 0 })));
  await hostile('exp null', sign(mod({ exp: null })));
  await hostile('exp in milliseconds', sign(mod({ exp: exp * 1000 })));
  await hostile('exp float', sign(mod({ exp: exp + 0.5 })));
  await hostile('missing iat', sign(mod({ iat: undefined })));
  await hostile('iat as string', sign(mod({ iat: String(iat) })));
  await hostile('iss with 4 parts', sign(mod({ iss: `${basePayload.iss}:x` })));
  await hostile('iss upper-case DID:BTC-ADDR', sign(mod({ iss: basePayload.iss.replace('did:btc-addr', 'DID:BTC-ADDR') })));
  await hostile('iss of unknown DID type', sign(mod({ iss: `did:ecdsa-pub:${getPublicKeyFromPrivate(baseKey)}` })));
  await hostile('iss missing', sign(mod({ iss: undefined })));
  await hostile('payload is a JSON string', sign('just a string'));
  await hostile('version 2.0.0 and no scopes', sign(mod({ version: '2.0.0', scopes: undefined })),
    { note: 'verifyAuthRequest does not inspect version or scopes' });
  annotateLax(cases, {
    'header alg HS256 with a valid ES256K signature': 'header alg is not checked (spec §2.2, §12.18)',
    'trailing .junk segment': 'segments after the third are ignored (spec §2.2, §12.18)',
    'missing exp': 'falsy exp means never expires (spec §9.1, §12.17)',
    'exp 0': 'falsy exp means never expires (spec §9.1, §12.17)',
    'exp null': 'falsy exp means never expires (spec §9.1, §12.17)',
    'exp in milliseconds': 'exp range is not capped (spec §12.17)',
    'expiresAt far future (year 2100)': 'exp range is not capped (spec §12.17)',
  });
  return { generator: GENERATOR, cases };
}

/** Mark cases the reference accepts although the spec says a better implementation SHOULD refuse. */
function annotateLax(cases, reasons) {
  for (const c of cases) {
    const why = reasons[c.name];
    if (why === undefined) continue;
    if (c.reference_valid !== true) throw new Error(`lax annotation on a rejected case: ${c.name}`);
    c.stricter_than_reference = why;
  }
  const names = new Set(cases.map((c) => c.name));
  for (const n of Object.keys(reasons)) if (!names.has(n)) throw new Error(`no case named ${n}`);
}

// ---------------------------------------------------------------------------------------------
// auth_responses.json

async function handleAt(token, transitKey, nowMs, { appDomain = 'https://app.example.com' } = {}) {
  return H.within({ nowMs }, async () => {
    const appConfig = new R.auth.AppConfig(['store_write'], appDomain);
    const sessionOptions = transitKey === null ? undefined : { transitKey };
    const us = new R.auth.UserSession({ appConfig, sessionOptions });
    try {
      return plain(await us.handlePendingSignIn(token, H.notFoundFetch));
    } catch (e) {
      return { throws: H.errorString(e) };
    }
  });
}
async function verifyRespAt(token, nowMs) {
  return H.within({ nowMs }, () => verdict(() => R.auth.verifyAuthResponse(token)));
}
const hubDown = () => Promise.reject(new Error('gaia hub unreachable (stub)'));

async function genAuthResponses() {
  const cases = [];
  const wallets = {};
  const getWallet = async (mnemonic) => {
    if (!wallets[mnemonic]) wallets[mnemonic] = await loadWallet(`authresp|wallet|${mnemonic}`, mnemonic);
    return wallets[mnemonic];
  };

  const pushCase = async (c, { session = 'transit' } = {}) => {
    c.reference_valid = await verifyRespAt(c.token, c.now_ms);
    const key = session === 'none' ? null : session === 'transit' ? c.transit_private_key : session;
    c.user_data = await handleAt(c.token, key, c.now_ms, { appDomain: c.app_domain ?? 'https://app.example.com' });
    if (session !== 'transit') {
      // transit_private_key is always the key the session held; keep the request's key aside
      c.request_transit_private_key = c.transit_private_key;
      c.transit_private_key = key;
    }
    c.expected_app_private_key = c.user_data && !c.user_data.throws ? c.user_data.appPrivateKey ?? null : null;
    cases.push(c);
    return c;
  };

  // --- worked example B (spec §14.3)
  {
    const account = (await getWallet(ABANDON)).accounts[0];
    const transitPub = getPublicKeyFromPrivate(SPEC_TRANSIT);
    const token = await H.within({ nowMs: SPEC_T0, bytes: new H.SpecBlockStream(), random: specRandom }, () =>
      R.wallet.makeAuthResponse({
        account, appDomain: 'https://app.example.com', transitPublicKey: transitPub, scopes: ['store_write'],
        gaiaHubUrl: 'https://hub.blockstack.org', fetchFn: hubDown,
      }));
    specReproduced.B = token.split('.')[2] === SPEC_B_SIG;
    if (!specReproduced.B) console.error('WARNING: spec example B NOT reproduced');
    await pushCase({
      name: 'spec §14.3 example B',
      via: 'wallet-sdk makeAuthResponse',
      transit_private_key: SPEC_TRANSIT,
      transit_public_key: transitPub,
      mnemonic: ABANDON,
      account_index: 0,
      app_domain: 'https://app.example.com',
      args: { scopes: ['store_write'], gaiaHubUrl: 'https://hub.blockstack.org' },
      generated_at_ms: SPEC_T0,
      token,
      now_ms: SPEC_T0,
      matches_spec: specReproduced.B,
    });
  }

  let n = 0;
  const seededMnemonic = await seeded('authresp|mnemonic', seededInstant(seedStream), () => R.wallet.generateSecretKey(256));
  const viaWallet = async (name, { mnemonic = ABANDON, index = 0, appDomain = 'https://app.example.com', scopes, walletSalt, additionalData, gaiaHubUrl = 'https://hub.blockstack.org', note } = {}) => {
    const label = `authresp|${n++}`;
    const s = streams(label);
    const transit = privFrom(s.data);
    const gen = seededInstant(s.data);
    const account = (await getWallet(mnemonic)).accounts[index];
    const transitPub = getPublicKeyFromPrivate(transit);
    const token = await H.within({ nowMs: gen, bytes: s.bytes, random: s.random }, () =>
      R.wallet.makeAuthResponse({
        account, appDomain, transitPublicKey: transitPub, scopes, gaiaHubUrl,
        appPrivateKeyFromWalletSalt: walletSalt, additionalData, fetchFn: hubDown,
      }));
    const args = argsRecord({ scopes, gaiaHubUrl, appPrivateKeyFromWalletSalt: walletSalt, additionalData });
    const c = {
      name, via: 'wallet-sdk makeAuthResponse', transit_private_key: transit, transit_public_key: transitPub,
      mnemonic, account_index: index, app_domain: appDomain, args, generated_at_ms: gen, token, now_ms: gen + 300_000,
    };
    if (note) c.note = note;
    return c;
  };

  await pushCase(await viaWallet('wallet-sdk account 0, app.example.com', {}));
  await pushCase(await viaWallet('wallet-sdk account 1, banter.pub', { mnemonic: SOUND, index: 1, appDomain: 'https://banter.pub' }));
  await pushCase(await viaWallet('wallet-sdk account 2, localhost', { mnemonic: SOUND, index: 2, appDomain: 'http://localhost:3000' }));
  await pushCase(await viaWallet('wallet-sdk seeded mnemonic, port origin', { mnemonic: seededMnemonic, index: 1, appDomain: 'https://app.example.com:8443' }));
  await pushCase(await viaWallet('wallet-sdk seeded mnemonic, unicode domain', { mnemonic: seededMnemonic, index: 0, appDomain: 'https://bücher.example' }));
  await pushCase(await viaWallet('wallet-sdk scopes publish_data (Gaia down: no profile upload)', { scopes: ['store_write', 'publish_data'] }));
  await pushCase(await viaWallet('wallet-sdk appPrivateKeyFromWalletSalt provided', {
    walletSalt: privFrom(new H.HashStream(`${SEED}|authresp|walletsalt`)), index: 1,
  }));
  await pushCase(await viaWallet('wallet-sdk Leather-style additionalData', {
    mnemonic: SOUND,
    additionalData: { btcAddress: { p2wpkh: { mainnet: 'bc1qexample', testnet: 'tb1qexample' } }, walletProvider: 'leather' },
  }));
  await pushCase(await viaWallet('wallet-sdk gaiaHubUrl undefined', { gaiaHubUrl: undefined },
  ).then((c) => ((c.note = 'hubUrl null in the token; handlePendingSignIn falls back to https://hub.blockstack.org'), c)));
  for (let i = 0; i < 3; i++) await pushCase(await viaWallet(`wallet-sdk seeded account ${i}`, { mnemonic: seededMnemonic, index: i }));

  // --- @stacks/auth makeAuthResponse directly
  const direct = async (name, build, { session, note, nowOffsetMs = 300_000 } = {}) => {
    const label = `authresp|direct|${n++}`;
    const s = streams(label);
    const transit = privFrom(s.data);
    const identity = privFrom(s.data);
    const app = privFrom(s.data);
    const gen = seededInstant(s.data);
    const transitPub = getPublicKeyFromPrivate(transit);
    const { args, call } = build({ identity, app, transitPub, gen });
    const token = await H.within({ nowMs: gen, bytes: s.bytes, random: s.random }, () => R.auth.makeAuthResponse(...call));
    const c = {
      name, via: '@stacks/auth makeAuthResponse', transit_private_key: transit, transit_public_key: transitPub,
      identity_private_key: identity, app_private_key: app, args, generated_at_ms: gen, token, now_ms: gen + nowOffsetMs,
    };
    if (note) c.note = note;
    return pushCase(c, { session: session === 'wrong' ? privFrom(s.data) : session });
  };
  // argument order: (privateKey, profile, metadata, coreToken, appPrivateKey, expiresAt, transitPublicKey,
  //                  hubUrl, blockstackAPIUrl, associationToken, appPrivateKeyFromWalletSalt)
  const argNames = ['privateKey', 'profile', 'metadata', 'coreToken', 'appPrivateKey', 'expiresAt', 'transitPublicKey', 'hubUrl', 'blockstackAPIUrl', 'associationToken', 'appPrivateKeyFromWalletSalt'];
  const named = (call) => {
    const a = {};
    call.forEach((v, i) => {
      if (v !== undefined) a[argNames[i]] = v;
    });
    return a;
  };
  const mk = (fn) => (k) => {
    const call = fn(k);
    return { call, args: named(call) };
  };
  await direct('direct: core_token given, encrypted to transit key', mk(({ identity, app, transitPub, gen }) => [
    identity, { name: 'Alice' }, null, 'core-session-token-XYZ', app, gen + 86400_000, transitPub, 'https://hub.example.org', 'https://api.example.org']));
  await direct('direct: email and profileUrl metadata', mk(({ identity, app, transitPub }) => [
    identity, { '@type': 'Person' }, { email: 'alice@example.com', profileUrl: 'https://gaia.example.org/hub/1abc/profile.json' }, null, app, undefined, transitPub]),
  { note: 'default expiresAt = nextMonth() (UTC)' });
  await direct('direct: profile null with profile_url (fetch stub answers 404)', mk(({ identity, app, transitPub }) => [
    identity, null, { profileUrl: 'https://gaia.example.org/hub/1abc/profile.json' }, null, app, undefined, transitPub]),
  { note: 'handlePendingSignIn fetches profile_url; the stub returns 404, giving DEFAULT_PROFILE' });
  await direct('direct: no app key (private_key null, legacy shape without version)', mk(({ identity, transitPub }) => [
    identity, {}, null, null, null, undefined, transitPub]));
  await direct('direct: no transit key (plaintext app key), transit key stored in session', mk(({ identity, app }) => [
    identity, {}, null, null, app, undefined, null, 'https://hub.example.org']),
  { note: 'decryption fails, handlePendingSignIn falls back to the plaintext 64-hex key' });
  await direct('direct: no transit key (plaintext app key), no transit key in session', mk(({ identity, app }) => [
    identity, {}, null, null, app, undefined, null]), { session: 'none' });
  await direct('direct: no transit key, core_token plaintext', mk(({ identity, app }) => [
    identity, {}, null, 'plain-core-token', app, undefined, null]));
  await direct('direct: all optional fields', mk(({ identity, app, transitPub, gen }) => [
    identity, { name: 'Bob', nested: { x: [1, 2] } }, { email: 'bob@example.com', profileUrl: 'https://p.example/p.json' }, 'ct', app,
    gen + 1000 * 3600 * 24 * 7 + 123, transitPub, 'https://hub.example.org', 'https://core.example.org', 'assoc-token-opaque', 'f'.repeat(64)]));

  // --- hostile variants
  const base = cases[1]; // wallet-sdk account 0
  const basePayload = decodeToken(base.token).payload;
  const identity = (await getWallet(base.mnemonic)).accounts[base.account_index].dataPrivateKey;
  const otherKey = privFrom(new H.HashStream(`${SEED}|authresp|other-key`));
  const sign = (payload, key = identity) => new TokenSigner('ES256K', key).sign(payload);
  const mod = (changes) => {
    const p = { ...basePayload };
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete p[k];
      else p[k] = v;
    }
    return p;
  };
  const hostile = async (name, token, { nowMs = base.now_ms, session = 'transit', note } = {}) => {
    const c = {
      name, via: 'hostile (re-signed with the identity key unless noted)', transit_private_key: base.transit_private_key,
      transit_public_key: base.transit_public_key, mnemonic: base.mnemonic, account_index: base.account_index,
      app_domain: base.app_domain, generated_at_ms: base.generated_at_ms, token, now_ms: nowMs,
    };
    if (note) c.note = note;
    return pushCase(c, { session });
  };
  const exp = basePayload.exp;
  await hostile('re-signed unchanged payload (control)', sign(basePayload));
  await hostile('version 2.0.0 (re-signed)', sign(mod({ version: '2.0.0' })),
    { note: 'isLaterVersion("2.0.0","1.1.0") is false: the encrypted blob is returned as appPrivateKey' });
  await hostile('version 1.0.0 (re-signed)', sign(mod({ version: '1.0.0' })));
  await hostile('version missing (re-signed)', sign(mod({ version: undefined })));
  await hostile('version 1.10.0 (re-signed)', sign(mod({ version: '1.10.0' })));
  await hostile('tampered payload (bit flip in jti, not re-signed)', tamperJti(base.token));
  await hostile('tampered payload, JSON broken (first byte { -> z)', flipPayloadBit(base.token, 0, 0));
  await hostile('wrong transit key in session', base.token, { session: privFrom(new H.HashStream(`${SEED}|authresp|wrong-transit`)) });
  await hostile('66-char transit key (…01) in session', base.token, { session: `${base.transit_private_key}01`,
    note: '@stacks/transactions randomPrivateKey() form; decryptECIES rejects it' });
  await hostile('no transit key in session', base.token, { session: 'none' });
  await hostile('expired (now 1 ms after exp)', base.token, { nowMs: exp * 1000 + 1 });
  await hostile('future iat (+60 s)', sign(mod({ iat: Math.floor(base.now_ms / 1000) + 60 })));
  await hostile('issuer mismatch (iss of another key)', sign(mod({ iss: didOf(otherKey) })));
  await hostile('two public keys', sign(mod({ public_keys: [getPublicKeyFromPrivate(identity), getPublicKeyFromPrivate(otherKey)] })));
  await hostile('public_keys empty', sign(mod({ public_keys: [] })));
  await hostile('signed by another key, self-consistent iss/public_keys', sign(mod({
    iss: didOf(otherKey), public_keys: [getPublicKeyFromPrivate(otherKey)] }), otherKey),
  { note: 'verifyAuthResponse accepts any self-consistent signer; only transit decryption binds it' });
  await hostile('alg none (createUnsecuredToken)', createUnsecuredToken(basePayload));
  await hostile('high-S/low-S twin', flipS(base.token));
  await hostile('private_key replaced by plaintext key (re-signed)', sign(mod({ private_key: privFrom(new H.HashStream(`${SEED}|authresp|plain`)) })),
    { note: 'decryption fails, plaintext fallback accepts any valid scalar' });
  await hostile('private_key replaced by non-key garbage (re-signed)', sign(mod({ private_key: 'deadbeef' })));
  await hostile('hubUrl null (re-signed)', sign(mod({ hubUrl: null })));
  await hostile('associationToken null (re-signed)', sign(mod({ associationToken: null })));
  const versionBug = 'isLaterVersion skips decryption and hands over the encrypted blob (spec §10, §12.16)';
  const plaintext = 'plaintext private_key fallback (spec §9.3 step 5, §12.21)';
  annotateLax(cases, {
    'version 2.0.0 (re-signed)': versionBug,
    'version 1.0.0 (re-signed)': versionBug,
    'version missing (re-signed)': versionBug,
    'private_key replaced by plaintext key (re-signed)': plaintext,
    'direct: no transit key (plaintext app key), transit key stored in session': plaintext,
    'direct: no transit key, core_token plaintext': plaintext,
  });
  return { generator: GENERATOR, cases };
}

// ---------------------------------------------------------------------------------------------

const started = Date.now();
const summary = [];
const put = (name, obj) => {
  const counts = Object.entries(obj)
    .filter(([k, v]) => k !== 'generator' && Array.isArray(v))
    .map(([k, v]) => `${k}=${v.length}`)
    .join(' ');
  const { bytes } = writeJson(name, obj);
  if (process.env.VECTORS_VERBOSE) process.stderr.write(`${name} at ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  summary.push(`${name}: ${counts} (${(bytes / 1024).toFixed(0)} KiB)`);
};
put('keys.json', { generator: GENERATOR, cases: genKeys() });
put('jwt.json', await genJwt());
put('ecies.json', await genEcies());
put('wallet.json', await genWallet());
put('auth_requests.json', await genAuthRequests());
put('auth_responses.json', await genAuthResponses());
for (const line of summary) H.out(line);
H.out(`spec §14.2 example A reproduced: ${specReproduced.A}`);
H.out(`spec §14.3 example B reproduced: ${specReproduced.B}`);
H.out(`seed ${JSON.stringify(SEED)} -> ${OUTDIR} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (!specReproduced.A || !specReproduced.B) process.exit(1);
