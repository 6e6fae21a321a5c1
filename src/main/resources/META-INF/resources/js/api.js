// Calls to the Milepost API. The admin key lives in sessionStorage: it is gone when the browser
// session ends (see docs/adr/0009-dashboard-sign-in.md). Without keys configured the API answers
// without one, so the dashboard works with no sign-in at all.

const KEY = 'milepost.adminKey';

export function adminKey() {
  return sessionStorage.getItem(KEY) || '';
}

export function signIn(key) {
  sessionStorage.setItem(KEY, key);
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** An error answer of the API, in its shape {"error","message","details"}. */
export class ApiError extends Error {
  constructor(status, body, path) {
    super(body && body.message ? body.message : `${path} answered ${status}`);
    this.status = status;
    this.code = body && body.error ? body.error : null;
    this.details = body && Array.isArray(body.details) ? body.details : [];
    this.path = path;
  }
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const key = adminKey();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

async function send(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { error: 'unreachable', message: 'The service did not answer: ' + e.message }, path);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = { error: 'bad_answer', message: `${path} answered ${response.status} with something that is not JSON` };
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json, path);
    // every page listens for this and shows the sign-in form
    if (response.status === 401) window.dispatchEvent(new CustomEvent('milepost:unauthorized', { detail: error }));
    throw error;
  }
  return json;
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

export const get = (path) => send('GET', path);
export const post = (path, body) => send('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => send('PATCH', path, body);
export const del = (path) => send('DELETE', path);

/** Downloads a CSV answer with the key (a plain link could not send the Authorization header). */
export async function download(path, filename) {
  const response = await fetch(path, { headers: headers({ Accept: 'text/csv' }) });
  if (!response.ok) {
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch (e) { /* not JSON: the status says enough */ }
    throw new ApiError(response.status, json, path);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return blob;
}
