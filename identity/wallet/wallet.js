// The wallet, on the identity service's origin: holder keys are non-extractable WebCrypto
// keys kept in IndexedDB, so no script of the platform can read them. It receives
// credentials over OpenID4VCI (pre-authorised code) and answers OpenID4VP requests
// (DCQL, direct_post) with a presentation carrying a key-binding JWT.

const root = document.getElementById('wallet');
const t = JSON.parse(document.getElementById('wallet-text').textContent);
const config = JSON.parse(document.getElementById('wallet-config').textContent);
const enc = new TextEncoder();

const b64u = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const b64uJson = (value) => b64u(enc.encode(JSON.stringify(value)));
const fromB64u = (text) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const sha256 = async (text) => b64u(await crypto.subtle.digest('SHA-256', enc.encode(text)));

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('parvis-wallet', 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('credentials', { keyPath: 'id', autoIncrement: true });
      request.result.createObjectStore('session');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(name, mode, action) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const request = action(tx.objectStore(name));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
  });
}

async function signJwt(header, payload, privateKey) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    privateKey,
    enc.encode(input),
  );
  return `${input}.${b64u(signature)}`;
}

async function newKey() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ]);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return { privateKey: pair.privateKey, jwk: { kty, crv, x, y } };
}

async function postForm(url, fields) {
  const response = await fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error_description ?? body.detail ?? body.title ?? response.status);
  return body;
}

async function accessToken() {
  const refresh = await store('session', 'readonly', (s) => s.get('refresh_token'));
  if (!refresh) return undefined;
  const tokens = await postForm('/token', { grant_type: 'refresh_token', refresh_token: refresh });
  await store('session', 'readwrite', (s) => s.put(tokens.refresh_token, 'refresh_token'));
  return tokens.access_token;
}

async function fetchBatch(token) {
  const { c_nonce } = await (await fetch('/nonce', { method: 'POST' })).json();
  const keys = await Promise.all(Array.from({ length: config.batchSize }, newKey));
  const proofs = await Promise.all(
    keys.map((k) =>
      signJwt(
        { alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: k.jwk },
        { aud: config.issuer, iat: Math.floor(Date.now() / 1000), nonce: c_nonce },
        k.privateKey,
      ),
    ),
  );
  const response = await fetch('/credential', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ credential_configuration_id: 'residence', proofs: { jwt: proofs } }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error_description ?? response.status);
  await store('credentials', 'readwrite', (s) => {
    body.credentials.forEach(({ credential }, i) => {
      s.add({ credential, privateKey: keys[i].privateKey });
    });
  });
}

async function redeemOffer(offerUri) {
  const offer = JSON.parse(new URL(offerUri).searchParams.get('credential_offer'));
  if (offer.credential_issuer !== config.issuer) throw new Error(t.foreignOffer);
  const code = offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];
  const tokens = await postForm('/token', {
    grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
    'pre-authorized_code': code,
  });
  await store('session', 'readwrite', (s) => s.put(tokens.refresh_token, 'refresh_token'));
  await fetchBatch(tokens.access_token);
}

function disclosures(credential) {
  const result = new Map();
  for (const encoded of credential.split('~').slice(1)) {
    if (!encoded) continue;
    const [, name, value] = JSON.parse(new TextDecoder().decode(fromB64u(encoded)));
    result.set(name, { value, encoded });
  }
  return result;
}

async function present(entry, claims, audience, nonce) {
  const all = disclosures(entry.credential);
  const chosen = claims.map((c) => all.get(c).encoded);
  const withoutKb = `${[entry.credential.split('~')[0], ...chosen].join('~')}~`;
  const kb = await signJwt(
    { alg: 'ES256', typ: 'kb+jwt' },
    { aud: audience, nonce, iat: Math.floor(Date.now() / 1000), sd_hash: await sha256(withoutKb) },
    entry.privateKey,
  );
  return withoutKb + kb;
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function postNavigate(url, fields) {
  const form = element('form', { method: 'post', action: url });
  for (const [name, value] of Object.entries(fields))
    form.append(element('input', { type: 'hidden', name, value }));
  document.body.append(form);
  form.submit();
}

async function showConsent(params, me, credentials) {
  const query = JSON.parse(params.get('dcql_query'));
  const clientId = params.get('client_id');
  const responseUri = params.get('response_uri');
  if (!config.verifiers.includes(clientId) || new URL(responseUri).origin !== clientId)
    throw new Error(t.unknownVerifier);
  const asked = (query.credentials[0].claims ?? []).map((c) => c.path[0]).filter((c) => me[c]);
  const allowed = (set) =>
    me.disclosable.some((combo) => combo.length === set.length && combo.every((c) => set.includes(c)));
  const form = element('form');
  const fieldset = element('fieldset', {}, element('legend', {}, `${t.asks} ${clientId}`));
  for (const claim of asked) {
    const id = `claim-${claim}`;
    fieldset.append(
      element(
        'div',
        {},
        element('input', { type: 'checkbox', id, name: claim, checked: '' }),
        element('label', { for: id }, ` ${t.claims[claim]} : ${me[claim]}`),
      ),
    );
  }
  const warning = element('p', { role: 'status', class: 'error' });
  const send = element('button', { type: 'submit' }, t.share);
  const decline = element('button', { type: 'button' }, t.decline);
  form.append(fieldset, warning, send, ' ', decline);
  const chosen = () => asked.filter((c) => form.elements[c].checked).sort();
  form.addEventListener('change', () => {
    const ok = chosen().length > 0 && allowed(chosen());
    send.disabled = !ok;
    warning.textContent = ok ? '' : t.tooFew;
  });
  form.dispatchEvent(new Event('change'));
  decline.addEventListener('click', () =>
    postNavigate(responseUri, { error: 'access_denied', state: params.get('state') }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const entry = credentials[0];
    const presentation = await present(entry, chosen(), clientId, params.get('nonce'));
    // Single use: the credential is gone from the wallet once shown.
    await store('credentials', 'readwrite', (s) => s.delete(entry.id));
    postNavigate(responseUri, {
      vp_token: JSON.stringify({ [query.credentials[0].id]: [presentation] }),
      state: params.get('state'),
    });
  });
  root.append(element('h2', {}, t.consent), form);
}

async function main() {
  const offer = new URLSearchParams(location.hash.slice(1)).get('offer');
  if (offer) {
    history.replaceState(null, '', location.pathname + location.search);
    await redeemOffer(offer);
  }
  const token = await accessToken();
  if (!token) {
    root.append(element('p', {}, t.signedOut));
    return;
  }
  const me = await (await fetch('/me', { headers: { authorization: `Bearer ${token}` } })).json();
  let credentials = await store('credentials', 'readonly', (s) => s.getAll());
  if (credentials.length === 0) {
    await fetchBatch(token);
    credentials = await store('credentials', 'readonly', (s) => s.getAll());
  }
  const list = element('dl');
  for (const claim of ['resident_of', 'district', 'age_range']) {
    if (me[claim]) list.append(element('dt', {}, t.claims[claim]), element('dd', {}, me[claim]));
  }
  root.append(element('h2', {}, t.attributes), list, element('p', {}, `${t.unused} ${credentials.length}`));
  const params = new URLSearchParams(location.search);
  if (params.get('response_type') === 'vp_token') await showConsent(params, me, credentials);
  const erase = element('button', { type: 'button' }, t.erase);
  erase.addEventListener('click', async () => {
    if (!confirm(t.eraseConfirm)) return;
    await fetch('/me', { method: 'DELETE', headers: { authorization: `Bearer ${await accessToken()}` } });
    indexedDB.deleteDatabase('parvis-wallet');
    location.reload();
  });
  root.append(element('h2', {}, t.danger), erase);
}

main().catch((error) => {
  root.append(element('p', { role: 'alert', class: 'error' }, `${t.error} ${error.message}`));
});
