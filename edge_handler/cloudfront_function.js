// Template of the CloudFront Functions (cloudfront-js-2.0) viewer-request check, rendered by
// edge_handler/cloudfront_function.py. Same decisions, bodies and log fields as handler.py.
// The client table is in the KeyValueStore associated with the function (entries by
// edge_handler/client_store.py): this code holds no token, no digest, no client, so it changes
// only with the header, the realm and whether allowed requests are logged. Only what runtime
// 2.0 documents: var/let/const, function, async/await, regex, String methods, JSON,
// require('crypto'), the cloudfront module. Comment lines and indentation are stripped when
// rendering, and spaces next to punctuation outside strings (10 KB code quota).
import cf from 'cloudfront';
const kvsHandle = cf.kvs();
var crypto = require('crypto');
var HEADER = /*HEADER*/, REALM = /*REALM*/, LOG_ALLOWED = /*LOG_ALLOWED*/;
//+grants: the lines up to //-grants are left out of the code of a stack without grants.
// A grant: a JWT (HS256) in ?grant= or the __Host-grant cookie, verified with the keys of
// its client's entry "grant:<kid>" (client_store.grant_entries).
var MAX_GRANT = /*MAX_GRANT*/, COOKIE = '__Host-grant', JWT = /^([\w-]+)\.([\w-]+)\.([\w-]{43})$/;
// A grant's path (without its final *) and a redirect target: no escapes, no backslash, no
// control characters; a target never starts with // or /\ (another host).
var GRANT_PATH = /^\/[\w.~!$&'()+,;=:@\/-]*$/, LOCAL = /^\/(?![\/\\])[\w.~!$&'()*+,;=:@\/?-]*$/;
var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
//-grants
var BODY = '{"meta": {"code": 401, "error_message": "Unauthorized"}, "data": {}}';
var FORBIDDEN = '{"meta": {"code": 403, "error_message": "Forbidden"}, "data": {}}';
var JSON_TYPE = 'application/json; charset=utf-8';
var NO_TOKEN = 'Bearer realm="' + REALM + '"';
var BAD_TOKEN = NO_TOKEN + ', error="invalid_token"';
var UNRESERVED = /^[A-Za-z0-9._~-]$/;
var PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
function own(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
// The code point at s[i]: of a surrogate pair, or of one unit (as Python counts); above
// 0xFFFF it takes two units.
function point(s, i) {
  var c = s.charCodeAt(i), d = s.charCodeAt(i + 1);
  return c > 0xD7FF && c < 0xDC00 && d > 0xDBFF && d < 0xE000
    ? (c - 0xD800) * 1024 + d + 0x2400 : c;
}
// Python slices by code point: the first n code points of s.
function head(s, n) {
  for (var i = 0, c = 0; c < n && i < s.length; c++) i += point(s, i) > 0xFFFF ? 2 : 1;
  return s.slice(0, i);
}
function log(kind, reason, q, event, client) {
  // A failed log write must not change the decision. Never a token or the event.
  try {
    var uri = q !== null && typeof q === 'object' && !Array.isArray(q) ? q.uri : null;
    var id = reason !== 'malformed' ? event.context.requestId : null;
    var line = { event: kind };
    if (reason) line.reason = reason;
    if (client) line.client = client;
    line.uri = typeof uri === 'string' ? head(uri, 256) : null;
    line.requestId = typeof id === 'string' ? head(id, 64) : null;
    console.log(JSON.stringify(line));
  } catch (e) {}
}
function deny(reason, q, event, client) {
  log('denied', reason, q, event, client);
  var challenge = reason === 'expired' ? BAD_TOKEN + ', error_description="token expired"'
    : reason === 'missing' || reason === 'empty' ? NO_TOKEN : BAD_TOKEN;
  return { statusCode: 401, statusDescription: 'Unauthorized', headers: {
    'content-type': { value: JSON_TYPE }, 'cache-control': { value: 'no-store' },
    'www-authenticate': { value: challenge } }, body: BODY };
}
function forbid(reason, q, event, client) {
  log('denied', reason, q, event, client);
  return { statusCode: 403, statusDescription: 'Forbidden', headers: {
    'content-type': { value: JSON_TYPE }, 'cache-control': { value: 'no-store' } },
    body: FORBIDDEN };
}
function dots(path) {
  // RFC 3986 5.2.4 for an absolute path, as uri_normalization.remove_dot_segments.
  var kept = [], segments = path.split('/');
  for (var i = 0; i < segments.length; i++) {
    var s = segments[i];
    if (s === '..') { if (kept.length > 1) kept.pop(); } else if (s !== '.') kept.push(s);
  }
  var last = segments[segments.length - 1];
  if ((last === '.' || last === '..') && !(kept.length && kept[kept.length - 1] === '')) {
    kept.push('');
  }
  var out = kept.join('/');
  return out.charAt(0) === '/' ? out : '/' + out;
}
// As uri_normalization.normalize: both run tests/edge_handler/normalization_cases.json.
function normalize(path) {
  return dots(path.split('?')[0].replace(/%([0-9A-Fa-f]{2})/g, function (m, h) {
    var c = String.fromCharCode(parseInt(h, 16));
    return UNRESERVED.test(c) ? c : '%' + h.toUpperCase();
  }));
}
function utf8(b) {
  // Bytes to text with U+FFFD for each maximal invalid subpart, as Python's errors='replace'.
  var out = '', i = 0;
  while (i < b.length) {
    var c = b[i++], need = 0, cp = 0, lo = 0x80, hi = 0xBF;
    if (c < 0x80) { out += String.fromCharCode(c); continue; }
    if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0xF; lo = c === 0xE0 ? 0xA0 : 0x80; hi = c === 0xED ? 0x9F : 0xBF; }
    else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 7; lo = c === 0xF0 ? 0x90 : 0x80; hi = c === 0xF4 ? 0x8F : 0xBF; }
    else { out += '\uFFFD'; continue; }
    while (need && i < b.length && b[i] >= lo && b[i] <= hi) {
      cp = cp << 6 | b[i++] & 0x3F; lo = 0x80; hi = 0xBF; need--;
    }
    if (need) out += '\uFFFD';
    else if (cp < 0x10000) out += String.fromCharCode(cp);
    else out += String.fromCharCode(0xD7C0 + (cp >> 10), 0xDC00 | cp & 0x3FF);
  }
  return out;
}
function unquote(s) {
  // urllib.parse.unquote: each run of escapes decoded as UTF-8.
  return s.replace(/(%[0-9A-Fa-f]{2})+/g, function (run) {
    var bytes = [];
    for (var i = 0; i < run.length; i += 3) bytes.push(parseInt(run.slice(i + 1, i + 3), 16));
    return utf8(bytes);
  });
}
function glob(p) {
  // handler.compile_pattern, with no literal prefix apart: a bit-parallel automaton (bit i:
  // the first i code points matched) in w words of 32 bits. m: literal masks by code point
  // (with the ? bits), q: the ? mask, s: the * mask, n: the accept bit, t: ends with *.
  p = p.replace(/\*+/g, '*');
  var w = (p.length >> 5) + 1, z = [], g, k, c, b;
  for (k = 0; k < w; k++) z.push(0);
  g = { m: {}, q: z.slice(), s: z.slice(), n: 0, w: w, z: z, t: /\*$/.test(p) };
  for (k = 0; k < p.length; k += c > 0xFFFF ? 2 : 1, g.n++) {
    c = point(p, k);
    b = 1 << g.n;
    if (c === 42) g.s[g.n >> 5] |= b;
    else if (c === 63) g.q[g.n >> 5] |= b;
    else (g.m[c] = g.m[c] || z.slice())[g.n >> 5] |= b;
  }
  for (c in g.m) for (k = 0; k < w; k++) g.m[c][k] |= g.q[k];
  return g;
}
function matches(g, t) {
  // handler.path_matches: reads each code point of t once, with fixed work for each (at most
  // 8 words: patterns have at most 255 characters). Linear in the path, never backtracking,
  // where a backtracking regular expression with three * took a second on 2,000 slashes.
  var d = g.z.slice(), s = g.s, a = g.n >> 5, A = 1 << g.n, i = 0, c, L, x, y, v, u, w, any;
  d[0] = 1 | (s[0] & 1) << 1;
  for (; !(g.t && d[a] & A); i += c > 0xFFFF ? 2 : 1) {
    if (i >= t.length) return (d[a] & A) !== 0;
    c = point(t, i);
    L = g.m[c] || g.q;
    for (x = y = any = w = 0; w < g.w; w++) {
      // Consume c (carry x to the next word), keep the * bits, then each * lets the bit
      // after it on (carry y).
      v = d[w] & L[w];
      u = v << 1 | x | d[w] & s[w];
      x = v >>> 31;
      v = u & s[w];
      any |= d[w] = u | v << 1 | y;
      y = v >>> 31;
    }
    if (!any) return false;
  }
  return true;
}
function scope(uri, patterns) {
  // handler.scope_problem: normalized as sent and once fully decoded, then a pattern match.
  if (normalize(uri) !== uri) return 'not_normalized';
  var key = unquote(uri);
  if (dots(key) !== key) return 'not_normalized';
  for (var i = 0; i < patterns.length; i++) {
    var g = glob(patterns[i]);
    // Without escapes, the key is the path: one pass.
    if (matches(g, uri.slice(1)) && (key === uri || matches(g, key.slice(1)))) return null;
  }
  return 'out_of_scope';
}
function entry(v) {
  // A store value as client_store.entry_value writes it; anything else is null (a denial).
  if (v === null || typeof v !== 'object' || Array.isArray(v) || typeof v.c !== 'string') {
    return null;
  }
  if (v.e !== null && (typeof v.e !== 'number' || !isFinite(v.e))) return null;
  if (v.p !== null) {
    if (!Array.isArray(v.p)) return null;
    for (var i = 0; i < v.p.length; i++) if (typeof v.p[i] !== 'string') return null;
  }
  return [v.c, v.e, v.p];
}
//+grants
function take(f, name) {
  // A query or cookie field, removed from the request (never to the origin): undefined
  // when absent, null when repeated or not text (refused), else its value.
  if (f === null || typeof f !== 'object' || !own(f, name)) return undefined;
  var v = f[name];
  delete f[name];
  return v && typeof v.value === 'string' && !(v.multiValue && v.multiValue.length > 1)
    ? v.value : null;
}
function json(s) {
  // base64url (no padding) to a JSON object, or null.
  for (var b = [], n = 0, k = 0, i = 0; i < s.length; i++) {
    n = (n << 6 | B64.indexOf(s.charAt(i))) & 0xFFFF;
    k += 6;
    if (k >= 8) { k -= 8; b.push(n >> k & 255); }
  }
  try { var v = JSON.parse(utf8(b)); } catch (e) { return null; }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
}
function int(v) { return typeof v === 'number' && Math.floor(v) === v && isFinite(v); }
function same(a, b) {
  // Constant time for strings of one length (a MAC's length is no secret).
  var d = a.length ^ b.length;
  for (var i = 0; i < a.length && i < b.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}
function covers(p, patterns) {
  // Whether the client's scope holds every path under the grant's path p.
  if (patterns === null) return true;
  if (p.slice(-1) !== '*') return scope(p, patterns) === null;
  for (var i = 0; i < patterns.length; i++) {
    var h = patterns[i].replace(/^\//, '').slice(0, -1);
    if (patterns[i].slice(-1) === '*' && !/[*?]/.test(h) && p.slice(1, h.length + 1) === h) {
      return true;
    }
  }
  return false;
}
async function grant(jwt, uri) {
  // [client, exp] for a grant that admits uri (null: the grant's own path), else [client or
  // null, the reason of the denial]. The JWT itself is never logged.
  if (jwt.length > 2048) return [null, 'oversized'];
  var m = JWT.exec(jwt), h = m && json(m[1]), c, ok = false;
  if (!h || h.alg !== 'HS256' || (own(h, 'typ') && h.typ !== 'JWT') || !/^[a-z0-9-]{1,40}$/.test(h.kid)) {
    return [null, 'bad_grant'];
  }
  for (c in h) if (!/^(alg|typ|kid)$/.test(c)) return [null, 'bad_grant'];
  try {
    // The second read of a request at most: the client's grant keys, expiry and scope.
    c = await kvsHandle.get('grant:' + h.kid, { format: 'json' });
  } catch (e) {
    return [null, 'invalid'];
  }
  var keys = c && c.k, client = c && entry({ c: h.kid, e: c.e, p: c.p });
  if (!client || !Array.isArray(keys) || keys.length < 1 || keys.length > 5) return [null, 'error'];
  for (var i = 0; i < keys.length; i++) {
    ok = same(crypto.createHmac('sha256', Buffer.from(String(keys[i]), 'base64'))
      .update(m[1] + '.' + m[2]).digest('base64url'), m[3]) || ok;
  }
  if (!ok) return [null, 'invalid'];
  var g = json(m[2]), now = Date.now() / 1000, e = client[1], p = g && g.path;
  if (e !== null && now >= e) return [h.kid, 'expired'];
  if (!g || !int(g.exp) || (own(g, 'nbf') && !int(g.nbf)) || (own(g, 'iat') && !int(g.iat))
    || typeof p !== 'string') {
    return [h.kid, 'bad_grant'];
  }
  if (g.exp <= now) return [h.kid, 'expired'];
  if (g.exp > now + MAX_GRANT || (e !== null && g.exp > e) || g.nbf > now) return [h.kid, 'bad_grant'];
  var star = p.slice(-2) === '/*', base = star ? p.slice(0, -1) : p, key;
  if (!GRANT_PATH.test(base) || dots(base) !== base) return [h.kid, 'bad_grant'];
  if (!covers(p, client[2])) return [h.kid, 'out_of_scope'];
  if (uri !== null) {
    // Under the grant's path, as sent and decoded: so within the client's scope too.
    key = unquote(uri);
    if (normalize(uri) !== uri || dots(key) !== key) return [h.kid, 'not_normalized'];
    if (star ? uri.indexOf(base) || key.indexOf(base) : uri !== p) return [h.kid, 'out_of_scope'];
  }
  return [h.kid, g.exp];
}
function refuse(r, q, event) {
  // The answer to a grant refused: 403 outside its path or scope, else 401.
  return (/scope|normal/.test(r[1]) ? forbid : deny)(r[1], q, event, r[0]);
}
async function session(q, event, jwt) {
  // GET /_grant?grant=<jwt>&to=<path>: the grant as a cookie, then on to a local path.
  var to = take(q.querystring, 'to'), r;
  if (jwt === undefined) return deny('missing', q, event);
  if (jwt === null || to === null) return deny('multiple', q, event);
  to = typeof to === 'string' ? unquote(to) : '';
  if (!LOCAL.test(to)) return deny('bad_target', q, event);
  r = await grant(jwt, null);
  if (typeof r[1] === 'string') return refuse(r, q, event);
  return { statusCode: 302, statusDescription: 'Found', headers: {
    location: { value: to }, 'cache-control': { value: 'no-store' } },
    cookies: { '__Host-grant': { value: jwt, attributes: 'Path=/; Secure; HttpOnly; '
      + 'SameSite=Lax; Max-Age=' + Math.floor(r[1] - Date.now() / 1000) } } };
}
//-grants
async function handler(event) {
  var q = null;
  try {
    q = event.request;
    // As handler.py's request["headers"]: no such field is an error, not a missing header.
    if (typeof q !== 'object' || !own(q, 'headers')) throw new Error('no headers');
    var headers = q.headers;
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) {
      return deny('malformed', null, event);
    }
    var field = own(headers, HEADER) ? headers[HEADER] : undefined;
    //+grants
    // Taken from every request: a grant never reaches the origin or the cache key.
    var link = take(q.querystring, 'grant'), cookie = take(q.cookies, COOKIE);
    if (q.uri === '/_grant') return await session(q, event, link);
    if (!field && (link !== undefined || cookie !== undefined)) {
      // A link's grant before a cookie's; the header token wins over both.
      if ((link === undefined ? cookie : link) === null) return deny('multiple', q, event);
      var admitted = await grant(link === undefined ? cookie : link, q.uri);
      if (typeof admitted[1] === 'string') return refuse(admitted, q, event);
      if (LOG_ALLOWED) log('allowed', 'grant', q, event, admitted[0]);
      return q;
    }
    //-grants
    if (!field) return deny('missing', q, event);
    if (field.multiValue && field.multiValue.length > 1) return deny('multiple', q, event);
    var value = field.value;
    if (typeof value !== 'string') return deny('malformed', q, event);
    if (value === '') return deny('empty', q, event);
    if (value.replace(PAIR, '.').length > 1024) return deny('oversized', q, event);
    if (value.slice(0, 7).toLowerCase() === 'bearer ') value = value.slice(7);
    if (/[^\x00-\x7F]/.test(value)) return deny('non_ascii', q, event);
    // The store's key: the token's SHA-256, base64url without padding (client_store.entry_key).
    var key = crypto.createHash('sha256').update(value).digest('base64url');
    var client;
    try {
      // One read per request. It rejects for a key not in the store (an unknown token) and
      // for a store it cannot read: both deny, never pass.
      client = await kvsHandle.get(key, { format: 'json' });
    } catch (e) {
      return deny('invalid', q, event);
    }
    // [name, expiry (epoch seconds) or null, path patterns or null], from {"c", "e", "p"}.
    client = entry(client);
    if (client === null) return deny('error', q, event);
    if (client[1] !== null && Date.now() / 1000 >= client[1]) {
      return deny('expired', q, event, client[0]);
    }
    if (client[2] !== null) {
      var problem = scope(q.uri, client[2]);
      if (problem !== null) return forbid(problem, q, event, client[0]);
    }
    // The token is for the edge only: never forward it towards the origin or logs.
    delete headers[HEADER];
    if (LOG_ALLOWED) log('allowed', null, q, event, client[0]);
    return q;
  } catch (e) {
    // A thrown exception would be a 503 (FunctionExecutionErrors): fail closed with a 401.
    return deny(q === null || q === undefined ? 'malformed' : 'error', q, event);
  }
}
