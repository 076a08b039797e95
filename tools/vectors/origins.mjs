// Generates tests/vectors/origins.json: a corpus of tricky URLs and what Node's WHATWG URL
// parser (`new URL(x)`, ada inside Node) says about each. Node built-ins only, deterministic.
//
//   node tools/vectors/origins.mjs tests/vectors/origins.json
//
// Each case is [input, origin, protocol, credentials]: origin is `new URL(input).origin` (the
// string "null" for opaque origins) or null when `new URL` throws; protocol is `url.protocol`
// ("" when it throws); credentials is true when `url.username` or `url.password` is non-empty.
import { writeFileSync } from "node:fs";

const out = process.argv[2];
if (!out) {
  console.error("usage: node origins.mjs OUT.json");
  process.exit(2);
}

// A small seeded PRNG (mulberry32), so the corpus is the same on every run.
let state = 0x6f726967; // "orig"
function rand() {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const schemes = ["https", "http", "HTTPS", "HtTp", "ftp", "ws", "wss", "file", "javascript",
  "data", "blob", "myapp", "h\ttps", "ht tp", "1http", "http+x", ""];
const separators = ["://", ":", ":/", ":///", ":\\\\", ":/\\", ":\\/", "//", ":////", ": //",
  ":\t//", ":%2F%2F"];
const userinfos = ["", "user@", "user:pw@", ":@", "@", ":pw@", "app.example.com@",
  "app.example.com:443@", "a@b@", "%40@", "u%3Ap@", "us er@", "x\\@", "user:p@ss@", "ü@",
  "user:@", "[::1]@"];
const domains = [
  "example.com", "EXAMPLE.COM", "app.example.com", "app.example.com.", "app.example.com..",
  "a..b.com", ".example.com", "-abc-.com", "my_host.example.com", "a", "localhost",
  "LOCALHOST.", "example", "ex-ample.com", "a.b.c.d.e.f.g", "a".repeat(63) + ".com",
  "a".repeat(64) + ".com", ("abcdefghi." .repeat(26)) + "com", "*.example.com", "a*b.com",
  "a$b.com", "a!b.com", "a~b.com", "a'b.com", "a\"b.com", "a{b}.com", "a`b.com", "a=b.com",
  "a;b.com", "a,b.com", "a+b.com", "a&b.com", "a(b).com", "a<b.com", "a>b.com", "a^b.com",
  "a|b.com", "a%b.com", "a b.com", "a\u0000b.com", "a\u007fb.com", "a\u001fb.com",
  // Unicode and IDNA
  "münchen.example", "MÜNCHEN.example", "faß.example", "FASS.example", "🦊.example",
  "☃.com", "例え.テスト", "аpp.example.com", "xn--pp-8cd.example.com", "ＡＢＣ.com",
  "a。b.com", "a．b.com", "a｡b.com", "ex\u00adample.com", "a\u200db.com", "a\u200cb.com",
  "ς.example", "Σ.example", "İstanbul.example", "ﬀ.example", "❤\ufe0f.example",
  "مثال.إختبار", "a.ب1", "1ب.example", "\u05d0\u05d1.example", "xn--nxasmq6b.com",
  "XN--BCHER-KVA.example", "xn--bcher-kva.example", "bücher.example", "BÜCHER.example",
  "xn--zz.com", "xn--a.com", "xn--.com", "xn--", "xn--a.xn--nxa", "xn--xn---epa.com",
  "xn--ls8h.la", "xn--9s9h.example", "a\u0301.example", "\u0301a.example", "ä.example",
  "a\u2024b.com", "\u2488.com", "a⒈.com", "\u00a0example.com", "exa\u3000mple.com",
  "\ufeffexample.com", "e\u0308xample.com", "ẞ.example", "ǅ.example", "\u{1f600}xn-",
  "x\u{e0100}.com", "\u{10ffff}.com", "\ufffd.com", "a\u2028b.com", "٣.example",
  // percent-encoded
  "ex%41mple.com", "%65xample.com", "example%2ecom", "m%C3%BCnchen.example",
  "%F0%9F%A6%8A.example", "a%25b.com", "a%zzb.com", "a%00b.com", "a%20b.com", "a%2Fb.com",
  "a%3Ab.com", "a%40b.com", "%C3%28.example", "%ef%bc%a1.com", "%31%32%37.0.0.1",
  "127%2e0.0.1", "%5B::1%5D", "a%2", "%", "%7e.com",
  // IPv4 spellings
  "127.0.0.1", "127.1", "127.0.1", "0x7f.1", "0X7F.1", "0177.0.0.1", "2130706433",
  "0x7f000001", "017700000001", "4294967295", "4294967296", "256.0.0.1", "1.2.3.4.5",
  "1.2.3.4.", "1.2.3.4..", "0x", "0x.0x.0", "09.1.1.1", "1.2.3.09", "foo.09", "foo.0x",
  "foo.1", "foo.0x1", "1.256", "1.65536", "1.2.65536", "1.2.3.256", "0x100000000",
  "00000000000000000001", "0x0000000000000000001", "１２７.０.０.１", "0.0.0.0", "0",
  "255.255.255.255", "1.2.3.4x", "1.2.3.0x", ".1.2.3", "1..2.3", "08", "0x7g.1",
  "999999999999", "1.0x", "1.2.3.4%2e",
  // IPv6 spellings
  "[::1]", "[0:0:0:0:0:0:0:1]", "[::]", "[::ffff:1.2.3.4]", "[::ffff:127.1]",
  "[2001:db8::1]", "[2001:DB8:0:0:1:0:0:1]", "[1:0:1:1:1:1:1:1]", "[::1%25eth0]",
  "[fe80::1%eth0]", "[::1", "::1", "[1::2::3]", "[v1.x]", "[::127.0.0.1]", "[::1.2.3]",
  "[1:2:3:4:5:6:7:8:9]", "[0::0:0]", "[::0:0:1:0]", "[1:0:0:2:0:0:0:3]", "[1:2:3:4:5:6:7:8]",
  "[1:2:3:4:5:6:7::]", "[::2:3:4:5:6:7:8]", "[1:2:3:4:5:6:1.2.3.4]", "[:1]", "[1:]",
  "[0000:0000::00001]", "[::%31]", "[ ::1]", "[::1 ]", "[::1]]", "[[::1]]", "[::g]",
  "[FFFF:ffff::]", "[::ffff:0.0.0.0]", "[::1.2.3.4.5]", "[::256.1.1.1]", "[::1.2.3.04]",
  "[%3A%3A1]", "[::１]",
  // empty and odd
  "", " ", ".", "..", "@", ":", "#", "?", "/", "\\",
];
const ports = ["", ":", ":80", ":443", ":0", ":0080", ":65535", ":65536", ":99999", ":-1",
  ":+1", ":٣", ": 80", ":8a", ":1e3", ":８０", ":8443", ":00000000000000000443", ":80:80",
  ":0x50", ":3000", ":80 "];
const tails = ["", "/", "/path?q=1#f", "?x=1", "#frag", "\\path", "/@evil.example",
  "\\@evil.example", " ", "\t", "%2F", "/..", "/%2e%2e/", ";x", "?@evil.example",
  "#@evil.example", "/\u00e9", "/a b"];
const wrappers = [["", ""], [" ", " "], ["\t", ""], ["", "\n"], ["\u0000", ""], ["", "\u001f"],
  ["\u007f", ""], ["\u00a0", ""], ["\ufeff", ""], ["\r\n", "\r\n"], ["\u0001 ", ""]];

const seen = new Set();
const inputs = [];
function add(url) {
  if (!seen.has(url)) {
    seen.add(url);
    inputs.push(url);
  }
}

// Hand-picked cases first: the examples, and the tricks the advisories name.
for (const url of [
  "https://🦊.example", "https://münchen.example", "HTTPS://EXAMPLE.COM:443/",
  "http://127.1:3000/", "https://faß.example/manifest.json", "https://app.example.com@evil.example",
  "https://app.example.com\\@evil.example/", "https://evil.example\\@app.example.com/",
  "https://app.example.com%40evil.example/", "javascript:alert(1)//https://app.example.com/",
  "javascript://app.example.com/%0aalert(1)", "data:text/html,<script>alert(1)</script>",
  "https:\\\\evil.example\\", "//evil.example/", "https:evil.example", "/callback",
  "https://app.example.com\t.evil.example/", "https://app.exa\nmple.com/",
  "https://a.example/\ud800", "https://\ud800.example/", "http://" + "a".repeat(5000) + ".com",
  "https://app.example.com/" + "x".repeat(4100), "http://@/", "http://", "http:///",
  "HTTP://LocalHost:80/", "http://*.example", "null", "http://a/b", "ftp://a",
]) add(url);

// Every host in the common spellings of scheme and separator.
for (const host of domains) {
  for (const [scheme, sep] of [["https", "://"], ["http", "://"], ["HTTPS", ":"],
    ["http", ":\\\\"]]) {
    add(`${scheme}${sep}${host}`);
  }
  add(`https://${host}/path`);
  add(`http://user:pw@${host}:8080/`);
}
// Every port and every tail on a few hosts.
for (const host of ["example.com", "127.1", "[::1]", "münchen.example", "🦊.example", "a"]) {
  for (const port of ports) {
    add(`https://${host}${port}/`);
    add(`http://${host}${port}`);
  }
  for (const tail of tails) add(`https://${host}${tail}`);
}
// Every separator and userinfo with every scheme on one host, and userinfo around hosts.
for (const scheme of schemes) {
  for (const sep of separators) {
    add(`${scheme}${sep}app.example.com/`);
    add(`${scheme}${sep}app.example.com@evil.example/`);
  }
}
for (const info of userinfos) {
  for (const host of ["evil.example", "127.1", "[::1]", "bücher.example", ""]) {
    for (const sep of ["://", ":", ":\\\\", ":///"]) add(`https${sep}${info}${host}/`);
  }
}
// Leading and trailing junk around a few URLs.
for (const [before, after] of wrappers) {
  for (const url of ["https://app.example.com/", "HTTP://127.1:80", "https://🦊.example",
    "https://user@app.example.com/", "javascript:alert(1)"]) {
    add(`${before}${url}${after}`);
  }
}
// And a seeded random mix of every part.
while (inputs.length < 5000) {
  const [before, after] = rand() < 0.15 ? pick(wrappers) : ["", ""];
  const scheme = rand() < 0.8 ? pick(["https", "http", "HTTPS", "Http"]) : pick(schemes);
  const sep = rand() < 0.7 ? "://" : pick(separators);
  const info = rand() < 0.7 ? "" : pick(userinfos);
  let host = pick(domains);
  if (rand() < 0.2) host = `${pick(domains)}.${host}`;
  if (rand() < 0.1) host = host.toUpperCase();
  const port = rand() < 0.6 ? "" : pick(ports);
  const tail = rand() < 0.5 ? pick(["", "/"]) : pick(tails);
  add(`${before}${scheme}${sep}${info}${host}${port}${tail}${after}`);
}

const cases = inputs.map((input) => {
  let url;
  try {
    url = new URL(input);
  } catch {
    return [input, null, "", false];
  }
  return [input, url.origin, url.protocol, url.username !== "" || url.password !== ""];
});

const head = {
  description: "URLs and what Node's WHATWG URL parser says: [input, new URL(input).origin or " +
    "null if it throws, protocol, has username or password]. Generated by " +
    "tools/vectors/origins.mjs; do not edit.",
  generator: { node: process.version, ada: process.versions.ada },
};
// One case a line, so a diff of a regenerated corpus is readable.
const text = JSON.stringify(head).slice(0, -1) + ',"cases":[\n' +
  cases.map((c) => JSON.stringify(c)).join(",\n") + "\n]}\n";
writeFileSync(out, text);
console.log(`${cases.length} cases written to ${out}`);
