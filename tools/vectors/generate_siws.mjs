#!/usr/bin/env node
// Reference vectors for wallet message signatures, Clarity values, SIP-018 and Sign-In with
// Stacks messages.
//
//   node generate_siws.mjs OUTDIR
//
// Calls only the published APIs of @stacks/transactions and @stacks/encryption (pinned in
// package.json / package-lock.json): hashMessage, signMessageHashRsv, publicKeyFromSignatureRsv,
// publicKeyFromSignatureVrs, verifyMessageSignatureRsv, getAddressFromPublicKey,
// uncompressPublicKey, Cl.*, serializeCV, encodeStructuredDataBytes and signStructuredData.
// Keys come from SHA-256 of fixed labels; there is no other randomness, so every run writes
// the same files.  SIWS messages are written in the format of spec siws.md §1 (the
// sign-in-with-stacks package is not on the registry we reach); the generator checks that
// spec §6 A, B and C come out byte for byte before writing anything.
//
// Writes stacks_messages.json, clarity.json, sip018.json and siws.json.

import fs from 'node:fs';
import path from 'node:path';
import * as H from './harness.mjs';

const OUTDIR = process.argv[2];
if (!OUTDIR || process.argv.length > 3) {
  console.error('usage: node generate_siws.mjs OUTDIR');
  process.exit(2);
}

const T = H.require('@stacks/transactions');
const E = H.require('@stacks/encryption');
const C = H.require('@stacks/common');
const { Cl } = T;
const N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');
const GENERATOR = { script: 'generate_siws.mjs', packages: H.packageVersions() };
const LEGACY_PREFIX = '\x18Stacks Message Signing:\n';
const TESTNET_CHAIN = 2147483648;

function keyFrom(label) {
  for (let i = 0; ; i++) {
    const k = BigInt(`0x${C.bytesToHex(H.sha256(`authtokens-siws|${label}|${i}`))}`);
    if (k > 0n && k < N) return k.toString(16).padStart(64, '0');
  }
}

function writeJson(name, obj) {
  fs.mkdirSync(OUTDIR, { recursive: true });
  const file = path.join(OUTDIR, name);
  fs.writeFileSync(file, `${JSON.stringify({ generator: GENERATOR, ...obj }, null, 1)}\n`);
  H.out(`wrote ${file}`);
}

function must(cond, what) {
  if (!cond) throw new Error(`fixed point mismatch: ${what}`);
}

const hex = (b) => C.bytesToHex(b);
const rsvToVrs = (sig) => sig.slice(128) + sig.slice(0, 128);
function highS(rsv) {
  const s = N - BigInt(`0x${rsv.slice(64, 128)}`);
  const v = (Number.parseInt(rsv.slice(128), 16) ^ 1).toString(16).padStart(2, '0');
  return rsv.slice(0, 64) + s.toString(16).padStart(64, '0') + v;
}

// ---------------------------------------------------------------------------------------------
// Spec siws.md §6

const SPEC_KEY = 'e494f188c2d35887531ba474c433b1e41fadd8eb824aca983447fd4bb8b277a801';
const SPEC_PUB = '02215340da140268f8a472af9c2b67952fe0a68337665482dae84886adea0945c1';
const SPEC_MAINNET = 'SP3KC0MTNW34S1ZXD36JYKFD3JJMWA01M54BYX1JY';
const SPEC_TESTNET = 'ST3KC0MTNW34S1ZXD36JYKFD3JJMWA01M55DSJ4JE';
// The uncompressed key of @stacks/transactions' own key tests, and the address they expect.
const STACKS_JS_UNCOMPRESSED =
  '04ef788b3830c00abe8f64f62dc32fc863bc0b2cafeb073b6c8e1c7657d9c2c3ab5b435d20ea91337cdd8c30dd7427bb098a5355e9c9bfad43797899b8137237cf';

// ---------------------------------------------------------------------------------------------
// Message signatures

const MESSAGES = [
  ['ascii', 'Hello World'],
  ['empty', ''],
  ['unicode', 'héllo 🦊 — 你好'],
  ['newlines', 'line 1\nline 2\r\nline 3'],
  ['len_252', 'a'.repeat(252)],
  ['len_253_compactsize_fd', 'b'.repeat(253)],
  ['len_70000_compactsize_fe', 'c'.repeat(70000)],
];

function signatureCases() {
  const cases = [];
  // Wallets use "compressed" (66-hex, ...01) keys; k3 is an uncompressed one, whose address
  // stacks.js derives from the uncompressed public key.
  const keys = [
    ['spec', SPEC_KEY],
    ...[0, 1, 2].map((i) => [`k${i}`, `${keyFrom(`msg${i}`)}01`]),
    ['k3_uncompressed', keyFrom('msg3')],
  ];
  for (const [kname, priv] of keys) {
    const pub = T.privateKeyToPublic(priv);
    for (const [mname, message] of MESSAGES) {
      if (mname.startsWith('len_70000') && kname !== 'spec') continue; // one long case is enough
      const digest = hex(E.hashMessage(message));
      const legacy = hex(E.hashMessage(message, LEGACY_PREFIX));
      const rsv = T.signMessageHashRsv({ messageHash: digest, privateKey: priv });
      const legacyRsv = T.signMessageHashRsv({ messageHash: legacy, privateKey: priv });
      const forms = { rsv, vrs: rsvToVrs(rsv), high_s_rsv: highS(rsv), high_s_vrs: rsvToVrs(highS(rsv)) };
      const recovered = {
        rsv: T.publicKeyFromSignatureRsv(digest, forms.rsv),
        vrs: T.publicKeyFromSignatureVrs(digest, forms.vrs),
        high_s_rsv: T.publicKeyFromSignatureRsv(digest, forms.high_s_rsv),
        high_s_vrs: T.publicKeyFromSignatureVrs(digest, forms.high_s_vrs),
      };
      const verifies = {
        rsv: E.verifyMessageSignatureRsv({ signature: forms.rsv, message, publicKey: pub }),
        high_s_rsv: E.verifyMessageSignatureRsv({ signature: forms.high_s_rsv, message, publicKey: pub }),
        legacy_rsv: E.verifyMessageSignatureRsv({ signature: legacyRsv, message, publicKey: pub }),
      };
      cases.push({
        name: `${kname}-${mname}`,
        private_key: priv,
        public_key: pub,
        public_key_compressed: T.compressPublicKey(pub),
        message,
        hash: digest,
        legacy_hash: legacy,
        signatures: forms,
        legacy_signature: legacyRsv,
        recovered,
        reference_verifies: verifies,
        address_mainnet: T.getAddressFromPublicKey(pub, 'mainnet'),
        address_testnet: T.getAddressFromPublicKey(pub, 'testnet'),
      });
    }
  }
  const spec = cases.find((c) => c.name === 'spec-ascii');
  must(spec.public_key === SPEC_PUB, 'spec public key');
  must(spec.address_mainnet === SPEC_MAINNET && spec.address_testnet === SPEC_TESTNET, 'spec addresses');
  return cases;
}

function addressCases() {
  const out = [];
  const pubs = [['stacks_js_uncompressed', STACKS_JS_UNCOMPRESSED]];
  for (let i = 0; i < 6; i++) {
    const pub = T.privateKeyToPublic(keyFrom(`addr${i}`));
    pubs.push([`k${i}_compressed`, pub]);
    pubs.push([`k${i}_uncompressed`, T.uncompressPublicKey(pub)]);
  }
  for (const [name, pub] of pubs) {
    out.push({
      name,
      public_key: pub,
      address_mainnet: T.getAddressFromPublicKey(pub, 'mainnet'),
      address_testnet: T.getAddressFromPublicKey(pub, 'testnet'),
    });
  }
  must(out[0].address_mainnet === 'SPZG6BAY4JVR9RNAB1HY92B7Q208ZYY4HZEA9PX5', 'stacks.js uncompressed address');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Clarity values, described as JSON so the Python side can rebuild them

function build(d) {
  switch (d.type) {
    case 'int': return Cl.int(BigInt(d.value));
    case 'uint': return Cl.uint(BigInt(d.value));
    case 'bool': return Cl.bool(d.value);
    case 'buffer': return Cl.bufferFromHex(d.hex);
    case 'string-ascii': return Cl.stringAscii(d.value);
    case 'string-utf8': return Cl.stringUtf8(d.value);
    case 'principal': return Cl.principal(d.value);
    case 'none': return Cl.none();
    case 'some': return Cl.some(build(d.value));
    case 'ok': return Cl.ok(build(d.value));
    case 'err': return Cl.error(build(d.value));
    case 'list': return Cl.list(d.values.map(build));
    case 'tuple': return Cl.tuple(Object.fromEntries(Object.entries(d.fields).map(([k, v]) => [k, build(v)])));
    default: throw new Error(`unknown type ${d.type}`);
  }
}

const u = (v) => ({ type: 'uint', value: String(v) });
const i = (v) => ({ type: 'int', value: String(v) });
const ascii = (value) => ({ type: 'string-ascii', value });
const tuple = (fields) => ({ type: 'tuple', fields });
const P128 = 2n ** 128n;
const P127 = 2n ** 127n;

const CLARITY = [
  ['int_zero', i(0)], ['int_one', i(1)], ['int_minus_one', i(-1)], ['int_min', i(-P127)],
  ['int_max', i(P127 - 1n)], ['int_minus_five', i(-5)],
  ['uint_zero', u(0)], ['uint_max', u(P128 - 1n)], ['uint_2_64', u(2n ** 64n)],
  ['true', { type: 'bool', value: true }], ['false', { type: 'bool', value: false }],
  ['buffer_empty', { type: 'buffer', hex: '' }], ['buffer_deadbeef', { type: 'buffer', hex: 'deadbeef' }],
  ['buffer_300', { type: 'buffer', hex: 'ab'.repeat(300) }],
  ['ascii_empty', ascii('')], ['ascii_text', ascii('Hello, Clarity! ~{}|')],
  ['ascii_whitespace', ascii('tab\tnl\ncr\r')],
  ['utf8_empty', { type: 'string-utf8', value: '' }],
  ['utf8_text', { type: 'string-utf8', value: 'héllo 🦊 你好' }],
  ['principal_standard', { type: 'principal', value: SPEC_MAINNET }],
  ['principal_testnet', { type: 'principal', value: SPEC_TESTNET }],
  ['principal_contract', { type: 'principal', value: 'SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7.some-contract' }],
  ['principal_contract_long', { type: 'principal', value: `${SPEC_TESTNET}.${'a'.repeat(40)}` }],
  ['none', { type: 'none' }],
  ['some_uint', { type: 'some', value: u(7) }],
  ['ok_none', { type: 'ok', value: { type: 'none' } }],
  ['err_int', { type: 'err', value: i(-3) }],
  ['list_empty', { type: 'list', values: [] }],
  ['list_bools', { type: 'list', values: [{ type: 'bool', value: true }, { type: 'bool', value: false }] }],
  ['list_nested', { type: 'list', values: [{ type: 'list', values: [u(1)] }, { type: 'list', values: [] }] }],
  ['tuple_one', tuple({ a: u(1) })],
  ['tuple_sorted', tuple({ name: ascii('x'), 'chain-id': u(1), version: ascii('1') })],
  ['tuple_nested', tuple({ inner: tuple({ z: u(1), y: { type: 'some', value: ascii('v') } }), b: { type: 'none' } })],
  // Keys where localeCompare and Clarity's byte order disagree (spec §5).
  ['tuple_locale_mixed', tuple({ a_b: u(1), 'a-b': u(2), B: u(3), a: u(4), a1: u(5) })],
  ['tuple_locale_case', tuple({ Zeta: u(1), alpha: u(2), Beta: u(3), gamma: u(4) })],
  ['tuple_locale_symbols', tuple({ 'x?': u(1), 'x!': u(2), x_: u(3), 'x-': u(4), x: u(5), x0: u(6), xA: u(7) })],
  ['tuple_locale_nested', tuple({ outer: tuple({ b_c: u(1), 'b-c': u(2) }), Outer: u(3) })],
];

function byteOrder(keys) {
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function hasOrderDifference(d) {
  if (d.type === 'tuple') {
    const keys = Object.keys(d.fields);
    const locale = [...keys].sort((a, b) => a.localeCompare(b));
    if (locale.join('\u0000') !== byteOrder(keys).join('\u0000')) return true;
    return Object.values(d.fields).some(hasOrderDifference);
  }
  if (d.type === 'list') return d.values.some(hasOrderDifference);
  if (['some', 'ok', 'err'].includes(d.type)) return hasOrderDifference(d.value);
  return false;
}

function clarityCases() {
  return CLARITY.map(([name, value]) => {
    const cv = build(value);
    const stacksJsHex = T.serializeCV(cv);
    const roundTrip = T.serializeCV(T.deserializeCV(stacksJsHex));
    must(roundTrip === stacksJsHex, `deserializeCV round trip of ${name}`);
    const differs = hasOrderDifference(value);
    return {
      name,
      value,
      stacks_js_hex: stacksJsHex,
      // Where stacks.js' tuple order is Clarity's, its hex is the consensus serialisation.
      key_order_differs: differs,
      locale_key_orders: value.type === 'tuple' ? [...Object.keys(value.fields)].sort((a, b) => a.localeCompare(b)) : null,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// SIP-018

function domain(name, version, chainId) {
  return tuple({ name: ascii(name), version: ascii(version), 'chain-id': u(chainId) });
}

const SPEC_C_MESSAGE = tuple({
  action: ascii('sign-in'),
  amount: i(-5),
  flags: { type: 'list', values: [{ type: 'bool', value: true }, { type: 'bool', value: false }] },
  greeting: { type: 'string-utf8', value: 'héllo 🦊' },
  memo: { type: 'some', value: { type: 'buffer', hex: 'deadbeef' } },
  nonce: ascii('foobarbaz1'),
  res: { type: 'ok', value: { type: 'none' } },
  to: { type: 'principal', value: 'SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7.some-contract' },
  who: { type: 'principal', value: SPEC_MAINNET },
});

function sip018Cases() {
  const cases = [
    ['spec_c', SPEC_KEY, domain('Example App', '1.0.0', 1), SPEC_C_MESSAGE],
    ['string_message', `${keyFrom('sip0')}01`, domain('App', '1', 1), ascii('Hello World')],
    ['uint_message_testnet', `${keyFrom('sip1')}01`, domain('App', '2.0', TESTNET_CHAIN), u(42)],
    [
      'sign_in_tuple',
      `${keyFrom('sip2')}01`,
      domain('example.com', '1', 1),
      tuple({
        domain: ascii('example.com'),
        nonce: ascii('Zx81kQ0pLm2abc'),
        'issued-at': ascii('2026-11-30T00:00:00.000Z'),
        'expiration-time': ascii('2026-11-30T00:10:00.000Z'),
        'chain-id': u(1),
      }),
    ],
    ['locale_order_message', `${keyFrom('sip3')}01`, domain('App', '1', 1), CLARITY.find((c) => c[0] === 'tuple_locale_mixed')[1]],
    ['locale_order_nested', `${keyFrom('sip4')}01`, domain('App', '1', 1), CLARITY.find((c) => c[0] === 'tuple_locale_nested')[1]],
    ['list_of_tuples', `${keyFrom('sip5')}01`, domain('App', '1', 1), { type: 'list', values: [tuple({ a: u(1) }), tuple({ a: u(2) })] }],
  ];
  const out = cases.map(([name, priv, dom, msg]) => {
    const d = build(dom);
    const m = build(msg);
    const encoded = T.encodeStructuredDataBytes({ message: m, domain: d });
    const signature = T.signStructuredData({ message: m, domain: d, privateKey: priv });
    const hash = hex(H.sha256(Buffer.from(encoded)));
    const pub = T.privateKeyToPublic(priv);
    return {
      name,
      private_key: priv,
      public_key: pub,
      address_mainnet: T.getAddressFromPublicKey(pub, 'mainnet'),
      domain: dom,
      message: msg,
      domain_hex: T.serializeCV(d),
      message_hex: T.serializeCV(m),
      key_order_differs: hasOrderDifference(msg),
      hash,
      signature,
      recovered: T.publicKeyFromSignatureRsv(hash, signature),
    };
  });
  const c = out[0];
  must(c.hash === '783e49c094aa23803aa80a2957f2c9d58ed06c8be38dd99c3493d351db724570', '§6 C hash');
  must(
    c.signature ===
      '8c317c34f707b2d6ff03e8fc9f5cd40bcb3c9abfa39ee3686e980b2af7d440f252db46da4866b04170b3f954b3ba13478ea008766e1d8809036452f1824a9e1a01',
    '§6 C signature',
  );
  const invalidDomains = [
    ['missing_chain_id', tuple({ name: ascii('x'), version: ascii('1') })],
    ['utf8_name', tuple({ name: { type: 'string-utf8', value: 'x' }, version: ascii('1'), 'chain-id': u(1) })],
    ['int_chain_id', tuple({ name: ascii('x'), version: ascii('1'), 'chain-id': i(1) })],
    ['not_a_tuple', u(1)],
    ['extra_key', tuple({ name: ascii('x'), version: ascii('1'), 'chain-id': u(1), salt: u(2) })],
  ].map(([name, dom]) => {
    let threw = false;
    try {
      T.encodeStructuredDataBytes({ message: Cl.uint(1), domain: build(dom) });
    } catch {
      threw = true;
    }
    return { name, domain: dom, reference_throws: threw };
  });
  return { cases: out, invalid_domains: invalidDomains };
}

// ---------------------------------------------------------------------------------------------
// Sign-In with Stacks messages, in the format of spec §1

function siwsText(f) {
  const origin = f.scheme ? `${f.scheme}://${f.domain}` : f.domain;
  let text = `${origin} wants you to sign in with your Stacks account:\n${f.address}\n\n`;
  if (f.statement) text += `${f.statement}\n`;
  text += `\nURI: ${f.uri}\nVersion: 1\nChain ID: ${f.chainId}\nNonce: ${f.nonce}\nIssued At: ${new Date(f.issuedAt).toISOString()}`;
  if (f.expirationTime) text += `\nExpiration Time: ${new Date(f.expirationTime).toISOString()}`;
  if (f.notBefore) text += `\nNot Before: ${new Date(f.notBefore).toISOString()}`;
  if (f.requestId) text += `\nRequest ID: ${f.requestId}`;
  if (f.resources) text += `\nResources:${f.resources.map((r) => `\n- ${r}`).join('')}`;
  return text;
}

function siwsCases() {
  const base = Date.UTC(2026, 10, 30);
  const specs = [
    ['spec_a', SPEC_KEY, { address: SPEC_MAINNET, chainId: 1, domain: 'example.com', nonce: 'foobarbaz1', uri: 'https://example.com/path', issuedAt: base }],
    ['spec_b', SPEC_KEY, {
      scheme: 'https', domain: 'app.example.org:8443', address: SPEC_TESTNET, statement: 'Sign in to Example. No fee.',
      uri: 'https://app.example.org:8443/login', chainId: TESTNET_CHAIN, nonce: 'Zx81kQ0pLm2',
      issuedAt: Date.parse('2026-11-30T12:34:56.789Z'), expirationTime: Date.parse('2026-11-30T12:44:56.789Z'),
      notBefore: Date.parse('2026-11-30T12:34:00.000Z'), requestId: 'req-42',
      resources: ['ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/', 'https://example.com/my-web2-claim.json'],
    }],
  ];
  for (let n = 0; n < 10; n++) {
    const priv = `${keyFrom(`siws${n}`)}01`;
    const testnet = n % 2 === 1;
    const pub = T.privateKeyToPublic(priv);
    const f = {
      address: T.getAddressFromPublicKey(pub, testnet ? 'testnet' : 'mainnet'),
      chainId: testnet ? TESTNET_CHAIN : 1,
      domain: ['example.com', 'localhost:3000', '127.0.0.1:8080', 'sub.app.example.io'][n % 4],
      nonce: C.bytesToHex(H.sha256(`nonce${n}`)).slice(0, 16 + n),
      uri: `https://example.com/${n}`,
      issuedAt: base + n * 1234567,
    };
    if (n % 3 === 0) f.statement = `Statement ${n}: Resources: are words, not a section.`;
    if (n % 4 === 1) f.scheme = 'https';
    if (n % 2 === 0) f.expirationTime = f.issuedAt + 600000;
    if (n % 5 === 2) f.notBefore = f.issuedAt - 1000;
    if (n % 3 === 1) f.requestId = `request ${n}`;
    if (n % 4 === 3) f.resources = n === 3 ? [] : ['https://a.example.com/x', 'ipfs://bafy'];
    specs.push([`generated_${n}`, priv, f]);
  }
  const out = specs.map(([name, priv, f]) => {
    const text = siwsText(f);
    const hash = hex(E.hashMessage(text));
    const signature = T.signMessageHashRsv({ messageHash: hash, privateKey: priv });
    const pub = T.publicKeyFromSignatureRsv(hash, signature);
    const iso = (t) => (t === undefined ? null : new Date(t).toISOString());
    return {
      name,
      fields: {
        scheme: f.scheme ?? null, domain: f.domain, address: f.address, statement: f.statement ?? null,
        uri: f.uri, chain_id: f.chainId, nonce: f.nonce, issued_at: iso(f.issuedAt),
        expiration_time: iso(f.expirationTime), not_before: iso(f.notBefore),
        request_id: f.requestId ?? null, resources: f.resources ?? null,
      },
      text,
      hash,
      signature,
      public_key: pub,
      address: T.getAddressFromPublicKey(pub, f.chainId === 1 ? 'mainnet' : 'testnet'),
      account_id: `stacks:${f.chainId}:${f.address}`,
      reference_verifies: E.verifyMessageSignatureRsv({ signature, message: text, publicKey: pub }),
    };
  });
  must(out[0].hash === '340fea0dcbae436c070f74fbf16a571f95d38bdbae678c1d1a1f07306b89986d', '§6 A hash');
  must(
    out[0].signature ===
      'd4341c98f792236cb3ddda2ebb73bd36a7d8de2955eb37e75802057d18330a0a599a8f15440cff65a193a0b1b4bcd8862a542da2d8aff7ad5c048c0d33c775eb00',
    '§6 A signature',
  );
  must(out[1].hash === '15c21aaab813091a8295c5a47d8ac111f86b74438be83562ee805cc59fe4fde5', '§6 B hash');
  must(
    out[1].signature ===
      'a9ec314b82b4b5a4ec058844de57384795a9604cd9f30ff4323186593e87e8554e957fefdbb80cb3677bda4c5a76a6632d4231b3b97bb1339256c0a63b6813ba01',
    '§6 B signature',
  );
  return out;
}

H.quietConsole();
writeJson('stacks_messages.json', { cases: signatureCases(), addresses: addressCases() });
writeJson('clarity.json', { cases: clarityCases() });
writeJson('sip018.json', sip018Cases());
writeJson('siws.json', { cases: siwsCases() });
