// Words and numbers as a person reads them: "First value", "7 days", "41.7%", times in the viewer's zone.

/** first_value -> "First value"; initial_utm_source -> "Initial utm source". */
export function human(name) {
  if (name === null || name === undefined || name === '') return '—';
  const words = String(name).replace(/[_.-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function count(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString();
}

export function percent(share, digits = 1) {
  if (share === null || share === undefined || Number.isNaN(share)) return '—';
  return (share * 100).toFixed(digits) + '%';
}

/** A signed difference of shares in percentage points: "+10.5 pts". */
export function points(diff) {
  if (diff === null || diff === undefined) return '—';
  const v = (diff * 100).toFixed(1);
  return (diff > 0 ? '+' : '') + v + ' pts';
}

/** ISO-8601 duration (P7D, PT36H, P3DT2H, PT0.5S) to seconds; null if it is not one. */
export function seconds(iso) {
  if (!iso) return null;
  const m = /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?[\d.]+)S)?)?$/.exec(iso);
  if (!m) return null;
  const s = (+m[2] || 0) * 604800 + (+m[3] || 0) * 86400 + (+m[4] || 0) * 3600 + (+m[5] || 0) * 60 + (+m[6] || 0);
  return m[1] ? -s : s;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** ISO-8601 duration to words: "7 days", "1 day 12 hours", "20 hours", "45 minutes". */
export function duration(iso) {
  const s = typeof iso === 'number' ? iso : seconds(iso);
  if (s === null) return iso ? String(iso) : '—';
  return spoken(s);
}

export function spoken(totalSeconds) {
  let s = Math.round(Math.abs(totalSeconds));
  if (s < 60) return s === 0 ? 'at once' : plural(s, 'second');
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60);
  if (d >= 7 && h === 0) return plural(d, 'day');
  if (d) return h ? `${plural(d, 'day')} ${plural(h, 'hour')}` : plural(d, 'day');
  if (h) return m ? `${plural(h, 'hour')} ${plural(m, 'minute')}` : plural(h, 'hour');
  return plural(m, 'minute');
}

/** An instant in the viewer's time zone. */
export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * A calendar date: range bounds, cohort starts, deadlines. These are UTC days in the API (a cohort
 * week starts Monday 00:00 UTC), so they are shown as UTC days, not shifted into the viewer's zone.
 */
export function day(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
}

/** "in 2 days" / "3 hours ago", from now. */
export function relative(iso, now = Date.now()) {
  if (!iso) return '—';
  const diff = (new Date(iso).getTime() - now) / 1000;
  return diff >= 0 ? 'in ' + spoken(diff) : spoken(-diff) + ' ago';
}

/** yyyy-mm-dd of a Date in UTC, the form the API takes for from/to. */
export function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

/**
 * Builds an element: el('a', {href: '#/users', class: 'num'}, 'text', child). Text is always set as
 * text, never as HTML, so names and messages from the API cannot inject markup.
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    // through the CSSOM: the Content-Security-Policy refuses style attributes set as markup
    else if (k === 'style') node.style.cssText = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) { if (typeof v === 'function') node.addEventListener(k.slice(2), v); }
    else if (k in node && typeof v !== 'string') node[k] = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A table from column headers and rows of cells (strings or nodes); numbers right-aligned. */
export function table(headers, rows, options = {}) {
  const head = el('thead', {}, el('tr', {}, headers.map((h) => el('th', { class: h.num ? 'num' : null, title: h.title }, h.label ?? h))));
  const body = el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c, i) =>
    el('td', { class: headers[i] && headers[i].num ? 'num' : null }, c)))));
  return el('table', { id: options.id, class: options.class }, head, body);
}

/** A paragraph that says there is nothing to show, and what to do about it. */
export function empty(text, ...more) {
  return el('p', { class: 'empty' }, text, ...more);
}
