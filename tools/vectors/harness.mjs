// Determinism harness shared by generate.mjs and check.mjs.
//
// The reference libraries read the wall clock (Date / new Date()), Math.random (makeUUID4 -> jti)
// and Node's CSPRNG (crypto.randomBytes, reached through @noble/secp256k1 and @noble/hashes for
// ECIES ephemeral keys, IVs, Gaia association-token salts, mnemonic entropy, ...).  This module
// replaces all three with sources we control so that every vector is reproducible from a seed.
//
// It must be imported before any reference library is loaded; the libraries are then loaded with
// `require` (they are CommonJS packages) through `loadReference()`.

import fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';

process.env.TZ = 'UTC'; // nextMonth()/nextHour() use local time; pin it.

export const require = createRequire(import.meta.url);
const nodeCrypto = require('node:crypto');
const realCreateHash = nodeCrypto.createHash.bind(nodeCrypto);

export function sha256(data) {
  return realCreateHash('sha256').update(data).digest();
}

// ---------------------------------------------------------------------------------------------
// Byte streams

/** SHA-256 counter stream: SHA256(`${label}/0`) || SHA256(`${label}/1`) || ... */
export class HashStream {
  constructor(label) {
    this.label = label;
    this.counter = 0;
    this.buf = Buffer.alloc(0);
  }
  take(n) {
    while (this.buf.length < n) {
      this.buf = Buffer.concat([this.buf, sha256(`${this.label}/${this.counter++}`)]);
    }
    const out = Buffer.alloc(n); // own ArrayBuffer: @noble/hashes reads `.buffer` whole
    this.buf.copy(out, 0, 0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** uniform double in [0, 1) from 53 bits */
  double() {
    const b = this.take(7);
    let v = 0;
    for (const x of b) v = v * 256 + x;
    return Math.floor(v / 8) / 2 ** 53;
  }
  /** integer in [0, n) (modulo bias irrelevant for test data) */
  int(n) {
    return Math.floor(this.double() * n);
  }
  pick(arr) {
    return arr[this.int(arr.length)];
  }
  hex(nBytes) {
    return this.take(nBytes).toString('hex');
  }
}

/**
 * The stub used to produce the worked examples of spec §14: every randomBytes(n) call starts at
 * a fresh 32-byte block and takes ceil(n/32) blocks of SHA256("stacksref-rng-<i>"), truncated.
 */
export class SpecBlockStream {
  constructor(prefix = 'stacksref-rng-') {
    this.prefix = prefix;
    this.counter = 0;
  }
  take(n) {
    const blocks = [];
    for (let got = 0; got < n; got += 32) blocks.push(sha256(`${this.prefix}${this.counter++}`));
    const out = Buffer.alloc(n);
    Buffer.concat(blocks).copy(out, 0, 0, n);
    return out;
  }
}

/** Math.random stub used for the §14 examples: k-th call returns frac(k * 0.618...) (k = 1, 2, ...). */
export class GoldenRandom {
  constructor() {
    this.k = 0;
  }
  double() {
    this.k += 1;
    return (this.k * 0.6180339887498949) % 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Global state the stubs read

const state = {
  bytes: null, // object with take(n) -> Buffer
  random: null, // object with double() -> number in [0,1)
  nowMs: null, // frozen wall clock in ms, or null for the real clock
};

export function setRandomSources({ bytes, random }) {
  state.bytes = bytes;
  state.random = random;
}

export function freezeClock(ms) {
  state.nowMs = ms;
}

export function frozenNow() {
  return state.nowMs;
}

function takeBytes(n) {
  if (!state.bytes) throw new Error('randomness requested outside a seeded context');
  return state.bytes.take(n);
}

// crypto.randomBytes (used by @noble/secp256k1 and @noble/hashes through require('crypto'))
nodeCrypto.randomBytes = function randomBytes(n, cb) {
  const out = takeBytes(n);
  if (typeof cb === 'function') {
    process.nextTick(cb, null, out);
    return undefined;
  }
  return out;
};
nodeCrypto.randomFillSync = function randomFillSync(buf, offset = 0, size) {
  const view = new Uint8Array(buf.buffer ?? buf, buf.byteOffset ?? 0, buf.byteLength);
  const len = size ?? view.length - offset;
  view.set(takeBytes(len), offset);
  return buf;
};
const getRandomValues = function getRandomValues(arr) {
  const view = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  view.set(takeBytes(view.length));
  return arr;
};
if (nodeCrypto.webcrypto) nodeCrypto.webcrypto.getRandomValues = getRandomValues;
if (globalThis.crypto && globalThis.crypto !== nodeCrypto.webcrypto) {
  try {
    globalThis.crypto.getRandomValues = getRandomValues;
  } catch {
    /* read-only in some runtimes; noble does not use it in Node */
  }
}
syncBuiltinESMExports(); // make ESM `import * as crypto from 'crypto'` see the stubs too

// Math.random (makeUUID4 -> jti)
Math.random = function random() {
  if (!state.random) throw new Error('Math.random requested outside a seeded context');
  return state.random.double();
};

// performance.now() is added to the time in makeUUID4
try {
  globalThis.performance.now = () => 0;
} catch {
  Object.defineProperty(globalThis, 'performance', { value: { now: () => 0 }, configurable: true });
}

// Date: `new Date()` and Date.now() return the frozen instant; every other form is untouched.
const RealDate = Date;
class FrozenDate extends RealDate {
  constructor(...args) {
    if (args.length === 0 && state.nowMs !== null) super(state.nowMs);
    else super(...args);
  }
  static now() {
    return state.nowMs !== null ? state.nowMs : RealDate.now();
  }
}
globalThis.Date = FrozenDate;

/** Run fn with clock and random sources set; restores the previous ones afterwards. */
export async function within({ nowMs, bytes, random }, fn) {
  const saved = { ...state };
  if (nowMs !== undefined) state.nowMs = nowMs;
  if (bytes !== undefined) state.bytes = bytes;
  if (random !== undefined) state.random = random;
  try {
    return await fn();
  } finally {
    Object.assign(state, saved);
  }
}

// Keep library console noise (Logger.warn on fallback decryption, URL parse errors) off stdout.
export function quietConsole() {
  const write = (...a) => process.stderr.write(`[lib] ${a.map(String).join(' ')}\n`);
  const verbose = process.env.VECTORS_VERBOSE;
  console.warn = verbose ? write : () => {};
  console.info = verbose ? write : () => {};
  console.error = verbose ? write : () => {};
  console.debug = verbose ? write : () => {};
  console.log = verbose ? write : () => {};
}

export function loadReference() {
  return {
    auth: require('@stacks/auth'),
    authMessages: require('@stacks/auth/dist/messages.js'),
    encryption: require('@stacks/encryption'),
    common: require('@stacks/common'),
    wallet: require('@stacks/wallet-sdk'),
    jsontokens: require('jsontokens'),
    c32: require('c32check'),
    bip39: require('@scure/bip39'),
    bip39English: require('@scure/bip39/wordlists/english'),
    secp: require('@noble/secp256k1'),
  };
}

export function packageVersions() {
  const names = [
    '@stacks/auth',
    '@stacks/encryption',
    '@stacks/common',
    '@stacks/wallet-sdk',
    '@stacks/transactions',
    'jsontokens',
    'c32check',
    '@noble/secp256k1',
    '@noble/hashes',
    '@scure/bip32',
    '@scure/bip39',
  ];
  const out = {};
  for (const n of names) {
    try {
      // read the file directly: some packages' "exports" hide package.json from require()
      const f = new URL(`./node_modules/${n}/package.json`, import.meta.url);
      out[n] = JSON.parse(fs.readFileSync(f, 'utf8')).version;
    } catch {
      /* not installed */
    }
  }
  return out;
}

/** Error -> short string "Name: message" (BlockstackError messages carry a long footer; cut it). */
/** fetch stub used wherever handlePendingSignIn may fetch profile_url: always HTTP 404. */
export async function notFoundFetch() {
  return { ok: false, status: 404, statusText: 'Not Found', text: async () => '', json: async () => ({}) };
}

/** print a line on stdout (console.log is silenced by quietConsole) */
export function out(line) {
  process.stdout.write(`${line}\n`);
}

export function errorString(e) {
  if (e === null || e === undefined) return String(e);
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && !(e instanceof Error)) return JSON.stringify(e);
  let msg = String(e.message ?? '');
  const cut = msg.indexOf('\nIf you believe this exception');
  if (cut >= 0) msg = msg.slice(0, cut);
  msg = msg.split('\n')[0];
  return `${e.name || 'Error'}: ${msg}`;
}
