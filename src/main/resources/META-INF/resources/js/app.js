// The dashboard: one page at a time, chosen by the URL hash, which also holds the date range,
// breakdown and selection, so any view can be bookmarked or sent as a link:
//   #/journey?from=2026-11-01&to=2026-12-01&breakdown=plan
//   #/users?milestone=first_value&reached=false&stalled=first_value
//   #/user?id=nina
import { ApiError, adminKey, signIn, signOut, get } from './api.js';
import { el, isoDate } from './format.js';
import { disposeAll } from './charts.js';
import * as journey from './pages/journey.js';
import * as cohorts from './pages/cohorts.js';
import * as timeToValue from './pages/time.js';
import * as targets from './pages/targets.js';
import * as actions from './pages/actions.js';
import * as users from './pages/users.js';
import * as user from './pages/user.js';
import * as rules from './pages/rules.js';
import * as webhooks from './pages/webhooks.js';

const PAGES = { journey, cohorts, time: timeToValue, targets, actions, users, user, rules, webhooks };
const $ = (id) => document.getElementById(id);

/** The page and its parameters, read from the hash. */
export function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const cut = hash.indexOf('?');
  const page = (cut < 0 ? hash : hash.slice(0, cut)) || 'journey';
  return { page: PAGES[page] ? page : 'journey', params: new URLSearchParams(cut < 0 ? '' : hash.slice(cut + 1)) };
}

/** A link to a page; the date range goes along unless the caller sets it. */
export function link(page, params = {}) {
  const current = route().params;
  const q = new URLSearchParams();
  for (const k of ['from', 'to']) if (current.get(k)) q.set(k, current.get(k));
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, v);
  }
  return '#/' + page + '?' + q.toString();
}

/** Changes some parameters of the current page (null removes one). */
export function update(changes) {
  const { page, params } = route();
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') params.delete(k);
    else params.set(k, v);
  }
  location.hash = '#/' + page + '?' + params.toString();
}

function defaultRange() {
  const now = new Date();
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return { from: isoDate(new Date(to.getTime() - 56 * 86400000)), to: isoDate(to) };
}

function renderNav(page) {
  for (const a of document.querySelectorAll('#nav a')) {
    const target = a.dataset.page;
    a.href = link(target, {});
    a.classList.toggle('active', target === page || (page === 'user' && target === 'users'));
  }
}

function showError(main, error) {
  const box = el('div', { class: 'error', role: 'alert' });
  if (error instanceof ApiError && error.status === 401) {
    box.append('This service needs the admin key: sign in above.');
  } else if (error instanceof ApiError) {
    box.append(el('strong', {}, error.message), error.status ? ` (${error.status}${error.code ? ' ' + error.code : ''})` : '',
      el('span', { class: 'muted' }, ` · GET ${error.path.split('?')[0]}`));
    if (error.details.length) {
      box.append(el('ul', {}, error.details.map((d) => el('li', {},
        typeof d === 'string' ? d : [d.field, d.message].filter(Boolean).join(': ') || JSON.stringify(d)))));
    }
  } else {
    box.append('Something went wrong in the page: ' + (error && error.message ? error.message : error));
  }
  main.append(box);
}

let renderCount = 0;

async function render() {
  const { page, params } = route();
  if (!params.get('from') || !params.get('to')) {
    const range = defaultRange();
    params.set('from', params.get('from') || range.from);
    params.set('to', params.get('to') || range.to);
    history.replaceState(null, '', '#/' + page + '?' + params.toString());
  }
  const mine = ++renderCount;
  const started = performance.now();
  renderNav(page);
  $('from').value = params.get('from');
  $('to').value = params.get('to');
  $('signout').hidden = !adminKey();
  disposeAll();
  const main = $('page');
  main.replaceChildren();
  main.dataset.page = page;
  main.removeAttribute('data-ready');
  $('status').textContent = 'Loading…';
  const module = PAGES[page];
  document.title = module.title + ' · Milepost';
  const ctx = { params, from: params.get('from'), to: params.get('to'), link, update, refresh: render,
    stillCurrent: () => mine === renderCount };
  try {
    await module.render(main, ctx);
  } catch (error) {
    if (mine !== renderCount) return;
    showError(main, error);
  }
  if (mine !== renderCount) return;
  const ms = Math.round(performance.now() - started);
  // what browser tests wait for: this hash's page has been drawn, and how long that took
  main.dataset.hash = location.hash;
  main.dataset.ready = 'true';
  main.dataset.renderMs = String(ms);
  main.dataset.readyAt = String(Math.round(performance.now()));
  $('status').textContent = `${module.title} shown in ${ms} ms`;
}

function showSignIn(message) {
  $('signin').hidden = false;
  $('signin-message').textContent = message;
  $('key').focus();
}

window.addEventListener('milepost:unauthorized', (e) => {
  showSignIn(adminKey() ? 'That key was not accepted: ' + e.detail.message : 'This service needs the admin key.');
});

$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('page').removeAttribute('data-ready');
  signIn($('key').value.trim());
  $('key').value = '';
  try {
    await get('/v1/milestones');
    $('signin').hidden = true;
    render();
  } catch (error) {
    signOut();
    showSignIn(error instanceof ApiError && error.status === 401 ? 'That key was not accepted.' : error.message);
  }
});

$('signout').addEventListener('click', () => {
  signOut();
  render();
});

$('range').addEventListener('submit', (e) => {
  e.preventDefault();
  update({ from: $('from').value, to: $('to').value });
});

$('preset').addEventListener('change', () => {
  const days = Number($('preset').value);
  if (!days) return;
  const to = new Date(defaultRange().to + 'T00:00:00Z');
  update({ from: isoDate(new Date(to.getTime() - days * 86400000)), to: isoDate(to) });
  $('preset').value = '';
});

window.addEventListener('hashchange', render);
render();
