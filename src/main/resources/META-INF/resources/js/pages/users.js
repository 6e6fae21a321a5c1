// Users: who are they? A segment (reached / not reached / within window / in progress / dropped off at a
// milestone, stalled at one, signup range, a trait),
// its size, its users page by page, a CSV export, and a search by user id.
import { get, query, download } from '../api.js';
import { el, human, count, time, day, table, empty } from '../format.js';
import { catalog } from './common.js';

export const title = 'Users';

const PAGE = 50;

/** The funnel's figures a segment can select (the API's state=), as the sentence says them. */
const STATES = {
  reached_within_window: 'reached within its window',
  in_progress: 'are in progress toward (window open)',
  dropped_off: 'dropped off before (window closed)',
};

/** The API's query for the segment in the page's parameters. */
function segment(ctx) {
  const p = ctx.params;
  const state = p.get('milestone') ? p.get('state') : null;
  const q = { milestone: p.get('milestone'), reached: p.get('milestone') && !state ? p.get('reached') : null, state,
    stalled: p.get('stalled'), q: p.get('q') };
  if (!p.get('anytime')) {
    q.signedUpFrom = ctx.from;
    q.signedUpTo = ctx.to;
  }
  for (const [k, v] of p) if (k.startsWith('trait.') && v) q[k] = v;
  return q;
}

function describe(ctx) {
  const p = ctx.params;
  const parts = [];
  if (p.get('milestone')) {
    const how = STATES[p.get('state')] || (p.get('reached') === 'false' ? 'have not reached' : 'reached');
    parts.push(`${how} ${human(p.get('milestone'))}`);
  }
  if (p.get('stalled')) parts.push(`stalled at ${human(p.get('stalled'))}`);
  for (const [k, v] of p) if (k.startsWith('trait.') && v) parts.push(`${human(k.slice(6))} is "${v}"`);
  if (p.get('q')) parts.push(`id starts with "${p.get('q')}"`);
  parts.push(p.get('anytime') ? 'signed up any time' : `signed up from ${day(ctx.from)} to before ${day(ctx.to)}`);
  return 'Users who ' + parts.join(', ');
}

export async function render(main, ctx) {
  const milestones = await catalog();
  const p = ctx.params;
  main.append(el('h2', {}, 'Users'), builder(ctx, milestones));

  const seg = segment(ctx);
  const first = await get('/v1/users' + query({ ...seg, limit: PAGE }));
  const rows = el('tbody');
  const traitNames = [...new Set(first.users.flatMap((u) => Object.keys(u.traits || {})))]
    .filter((t) => !['createdAt', 'created_at'].includes(t)).sort().slice(0, 3);
  const more = el('button', { type: 'button', class: 'quiet', id: 'more-users' }, 'Show more');
  const exportMessage = el('span', { id: 'export-message', class: 'muted' });
  const exportButton = el('button', { type: 'button', id: 'export-csv' }, 'Export CSV');

  main.append(el('p', { class: 'lead' }, el('strong', { id: 'segment-total' }, count(first.total)), ' · ', describe(ctx)),
    el('div', { class: 'toolbar' }, exportButton, exportMessage));
  if (!first.total && !first.users.length) {
    main.append(empty(p.get('q') ? `No user id starts with "${p.get('q')}".`
      : 'No users match. Widen the signup range above, or change the conditions.'));
    return;
  }
  const head = el('thead', {}, el('tr', {}, ['User', 'Signed up', 'Stage', 'Last seen', ...traitNames.map(human)]
    .map((h) => el('th', {}, h))));
  main.append(el('table', { id: 'users-table' }, head, rows), more);

  const append = (page) => {
    for (const u of page.users) {
      rows.append(el('tr', {},
        el('td', {}, el('a', { href: ctx.link('user', { id: u.userId }) }, u.userId)),
        el('td', {}, time(u.signedUpAt)),
        el('td', {}, u.stage ? human(u.stage) : 'no milestone yet'),
        el('td', {}, time(u.lastEventAt)),
        traitNames.map((t) => el('td', {}, u.traits && u.traits[t] !== undefined ? String(u.traits[t]) : ''))));
    }
    more.hidden = !page.nextCursor;
    more.dataset.cursor = page.nextCursor || '';
  };
  append(first);
  more.addEventListener('click', async () => {
    more.disabled = true;
    append(await get('/v1/users' + query({ ...seg, limit: PAGE, cursor: more.dataset.cursor })));
    more.disabled = false;
  });
  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    exportMessage.textContent = 'Exporting…';
    try {
      // the traits shown in the table go along as columns, e.g. email for a mailing tool
      const blob = await download('/v1/users' + query({ ...seg, format: 'csv', traits: traitNames.join(',') }), 'milepost-users.csv');
      const lines = (await blob.text()).split('\n').filter((l) => l.trim()).length - 1;
      exportMessage.textContent = `Exported ${count(lines)} users to milepost-users.csv`;
    } catch (error) {
      exportMessage.textContent = 'Could not export: ' + error.message;
    } finally {
      exportButton.disabled = false;
    }
  });
}

function builder(ctx, milestones) {
  const p = ctx.params;
  const options = (selected, none) => [el('option', { value: '' }, none),
    ...milestones.map((m) => el('option', { value: m.name, selected: m.name === selected }, human(m.name)))];
  const how = p.get('state') || (p.get('reached') === 'false' ? 'false' : 'true');
  const reached = el('select', { id: 'seg-reached' },
    el('option', { value: 'true', selected: how === 'true' }, 'reached'),
    el('option', { value: 'false', selected: how === 'false' }, 'have not reached'),
    Object.entries(STATES).map(([value, label]) => el('option', { value, selected: how === value }, label)));
  const milestone = el('select', { id: 'seg-milestone' }, options(p.get('milestone'), 'any milestone'));
  const stalled = el('select', { id: 'seg-stalled' }, options(p.get('stalled'), 'anywhere or nowhere'));
  const traitEntry = [...p].find(([k]) => k.startsWith('trait.'));
  const traitName = el('input', { id: 'seg-trait', placeholder: 'trait, e.g. plan', value: traitEntry ? traitEntry[0].slice(6) : '', size: 14 });
  const traitValue = el('input', { id: 'seg-trait-value', placeholder: 'value', value: traitEntry ? traitEntry[1] : '', size: 12 });
  const anytime = el('input', { type: 'checkbox', id: 'seg-anytime', checked: !!p.get('anytime') });
  const f = el('form', { id: 'segment-form', class: 'card' },
    el('label', {}, 'Users who ', reached, ' ', milestone),
    el('label', {}, 'stalled at ', stalled),
    el('label', {}, 'where ', traitName, ' is ', traitValue),
    el('label', {}, anytime, ' any signup date (else the range above)'),
    el('button', { type: 'submit' }, 'Show users'));
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const state = milestone.value && STATES[reached.value] ? reached.value : null;
    const changes = { milestone: milestone.value || null, reached: milestone.value && !state ? reached.value : null, state,
      stalled: stalled.value || null, anytime: anytime.checked ? '1' : null, q: null };
    for (const [k] of p) if (k.startsWith('trait.')) changes[k] = null;
    if (traitName.value.trim()) changes['trait.' + traitName.value.trim()] = traitValue.value;
    ctx.update(changes);
  });
  const search = el('input', { id: 'user-search', type: 'search', placeholder: 'user id or its beginning', value: p.get('q') || '' });
  const s = el('form', { id: 'search-form', class: 'toolbar' }, el('label', {}, 'Find a user ', search),
    el('button', { type: 'submit' }, 'Search'));
  s.addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = search.value.trim();
    if (!id) return;
    ctx.update({ q: id, anytime: '1', milestone: null, reached: null, state: null, stalled: null });
  });
  return el('div', {}, s, f);
}
