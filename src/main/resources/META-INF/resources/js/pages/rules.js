// Rules: which rules are in force, which milestones they define, and how the last loads went.
import { get, query } from '../api.js';
import { el, human, count, time, duration, table, empty } from '../format.js';
import { catalog } from './common.js';

export const title = 'Rules';

export async function render(main, ctx) {
  const [rules, milestones, history] = await Promise.all([get('/v1/rules'), catalog(), loads()]);
  main.append(el('h2', {}, 'Rules'));
  if (!rules.version) {
    main.append(empty('No rules loaded: put *.drl or *.dslr files in the rules folder (setting milepost.rules.dir).'));
  } else {
    main.append(el('p', { class: 'lead', id: 'rules-summary' },
      `Version ${rules.version} · ${count((rules.rules || []).length)} rules in ${count((rules.files || []).length)} files · loaded ${time(rules.loadedAt)}`));
  }
  if ((rules.errors || []).length) {
    main.append(el('div', { class: 'error', role: 'alert' }, el('strong', {}, 'The last change did not load; the rules above stay in force:'),
      el('ul', {}, rules.errors.map((e) => el('li', {}, location(e), ' ', e.message)))));
  }

  main.append(el('h3', {}, 'Milestones'));
  main.append(milestones.length ? table([{ label: 'Order', num: true }, 'Milestone', 'Window', 'Measured from', 'Rules'],
    milestones.map((m) => [m.order ?? '—', el('strong', {}, human(m.name)), m.within ? duration(m.within) : 'no window',
      m.after ? human(m.after) : 'signup', (m.rules || []).join(', ')]), { id: 'milestones-table' })
    : empty('No milestone rules: a rule becomes one with @milestone("name") @order(n), and @within("7d") for a window.'));

  main.append(el('h3', {}, 'Rules in force'));
  main.append(table(['Rule', 'File', 'Milestone'], (rules.rules || []).map((r) =>
    [r.name, r.file, r.milestone ? human(r.milestone) : el('span', { class: 'muted' }, 'action rule')]), { id: 'rules-table' }));
  main.append(el('p', { class: 'muted' }, 'Files: ', (rules.files || []).join(', ')));

  main.append(el('h3', {}, 'Load history'));
  const list = history || rules.history || [];
  main.append(list.length ? table(['When', 'Outcome', 'Why', 'Version', { label: 'Rules', num: true }, 'Files', 'Errors'],
    list.map((l) => [time(l.at), el('span', { class: 'badge ' + (l.outcome || (l.ok ? 'loaded' : 'refused')) },
      l.outcome || (l.ok ? 'loaded' : 'refused')), l.trigger ? human(l.trigger) : '—', l.version || '—', count(l.rules),
    (l.files || []).length ? (l.files || []).join(', ') : '—',
    (l.errors || []).length ? el('ul', { class: 'load-errors' }, l.errors.map((e) => el('li', {}, location(e), ' ', e.message))) : '']),
  { id: 'history-table' }) : empty('No loads recorded since the service started.'));
}

function location(e) {
  return el('code', {}, [e.file, e.line, e.column].filter((x) => x !== null && x !== undefined).join(':'));
}

/** The load history, or null when this service version does not keep one (404). */
async function loads() {
  try {
    return (await get('/v1/rules/history' + query({ limit: 20 }))).loads;
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}
