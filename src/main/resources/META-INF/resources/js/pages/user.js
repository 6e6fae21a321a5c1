// User: why hasn't this user activated? Milestones on a time axis against their windows, stalls, actions
// and their deliveries, progress toward each milestone not reached yet, traits, and the timeline.
import { get, query } from '../api.js';
import { el, human, count, time, relative, seconds, table, empty } from '../format.js';
import { chart } from '../charts.js';
import { catalog } from './common.js';

export const title = 'User';

const TIMELINE_PAGE = 25;

export async function render(main, ctx) {
  const id = ctx.params.get('id');
  if (!id) {
    main.append(empty('No user chosen: find one on the Users page.'));
    return;
  }
  const path = '/v1/users/' + encodeURIComponent(id);
  let userView;
  try {
    userView = await get(path);
  } catch (e) {
    if (e.status === 404) {
      main.append(el('h2', {}, id), empty(`There is no user "${id}": search for one on the Users page.`));
      return;
    }
    throw e;
  }
  const [milestones, progress, deliveries] = await Promise.all([catalog(), optional(get(path + '/progress')),
    optional(get('/v1/deliveries' + query({ limit: 200 })))]);
  const u = userView;

  main.append(el('h2', {}, u.userId, ' ', el('span', { class: 'muted' }, u.stage ? '· ' + human(u.stage) : '· no milestone yet')),
    el('p', { class: 'lead' }, `Signed up ${time(u.signedUpAt)} (${relative(u.signedUpAt)})`,
      u.lastEventAt ? ` · last seen ${time(u.lastEventAt)}` : ''));

  journeyChart(main, u, milestones, progress.value);
  progressSection(main, u, milestones, progress);

  const split = el('div', { class: 'split' });
  main.append(split);
  const left = el('div');
  const right = el('div');
  split.append(left, right);

  left.append(el('h3', {}, 'Milestones'), table(['Milestone', 'Reached', 'Rule'],
    milestones.map((m) => {
      const r = (u.milestones || []).find((x) => x.name === m.name);
      const stall = (u.stalled || []).find((s) => s.milestone === m.name);
      return [human(m.name), r ? time(r.reachedAt) : stall ? el('span', { class: 'fails' }, `stalled since ${time(stall.since)}`) : 'not yet',
        r ? r.rule || '' : ''];
    }), { id: 'user-milestones' }));

  const mine = deliveries.value ? (deliveries.value.deliveries || []).filter((d) => d.userId === u.userId) : [];
  left.append(el('h3', {}, 'Actions'));
  if (!(u.actions || []).length) {
    left.append(empty('No action fired for this user yet.'));
  } else {
    left.append(table(['Action', 'Fired', 'Delivery'], u.actions.map((a) => {
      const sent = mine.filter((d) => d.subject === a.action);
      const status = a.suppressed ? el('span', { class: 'badge' }, 'not sent (suppressed)')
        : a.heldOut ? el('span', { class: 'badge' }, 'held out (control group)')
          : sent.length ? el('span', {}, sent.map((d) => el('span', { class: 'badge ' + d.status, title: d.lastError || '' },
            d.status + (d.attempts > 1 ? ` after ${d.attempts} attempts` : ''))))
            : el('span', { class: 'muted' }, 'no delivery (no endpoint subscribed, or not among the latest)');
      return [human(a.action), time(a.triggeredAt), status];
    }), { id: 'user-actions' }));
  }

  right.append(el('h3', {}, 'Traits'));
  const traits = Object.entries(u.traits || {});
  right.append(traits.length ? el('dl', { class: 'kv', id: 'user-traits' }, traits.flatMap(([k, v]) =>
    [el('dt', {}, human(k)), el('dd', {}, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))]))
    : empty('No traits: send an identify call with traits.'));
  if (u.account) {
    right.append(el('h3', {}, 'Account'), el('dl', { class: 'kv' }, el('dt', {}, 'Id'), el('dd', {}, u.account.id || ''),
      Object.entries(u.account.traits || {}).flatMap(([k, v]) => [el('dt', {}, human(k)), el('dd', {}, String(v))])));
  }
  const activity = Object.entries(u.activity || {});
  if (activity.length) {
    right.append(el('h3', {}, 'Activity'), table(['Event', { label: 'Times', num: true }, 'First', 'Last'],
      activity.map(([e, a]) => [e, count(a.count), time(a.firstAt), time(a.lastAt)])));
  }

  main.append(el('h3', {}, 'Timeline'));
  const timeline = el('div', { id: 'timeline' });
  main.append(timeline);
  await timelinePage(timeline, path, null, 1);
}

async function optional(promise) {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

/** Milestones on a time axis: each window as a band, the moment it was reached, stalls and actions. */
function journeyChart(main, u, milestones, progress) {
  const signup = Date.parse(u.signedUpAt);
  if (Number.isNaN(signup)) return;
  const rows = [...milestones.map((m) => human(m.name)), 'Actions'];
  const reachedAt = (name) => {
    const r = (u.milestones || []).find((x) => x.name === name);
    return r ? Date.parse(r.reachedAt) : null;
  };
  const series = [];
  const now = Date.now();
  milestones.forEach((m) => {
    const p = progress && (progress.milestones || []).find((x) => x.milestone === m.name);
    let opens = null;
    let closes = null;
    if (p && p.window && p.window.opensAt) {
      opens = Date.parse(p.window.opensAt);
      closes = p.window.closesAt ? Date.parse(p.window.closesAt) : null;
    } else if (m.within) {
      opens = m.after ? reachedAt(m.after) : signup;
      closes = opens === null ? null : opens + seconds(m.within) * 1000;
    }
    if (opens !== null && closes !== null) {
      series.push({ name: 'Window', type: 'line', data: [[opens, human(m.name)], [closes, human(m.name)]],
        lineStyle: { width: 12, color: '#c9dcf7', cap: 'round' }, symbol: 'none', z: 1, silent: true });
    }
  });
  series.push({ name: 'Reached', type: 'scatter', symbol: 'circle', symbolSize: 14, itemStyle: { color: '#2a9d6f' }, z: 5,
    data: (u.milestones || []).map((r) => [Date.parse(r.reachedAt), human(r.name)]) });
  series.push({ name: 'Stalled', type: 'scatter', symbol: 'diamond', symbolSize: 14, itemStyle: { color: '#c0392b' }, z: 5,
    data: (u.stalled || []).map((s) => [Date.parse(s.since), human(s.milestone)]) });
  series.push({ name: 'Action', type: 'scatter', symbol: 'triangle', symbolSize: 12, itemStyle: { color: '#e08a1e' }, z: 5,
    data: (u.actions || []).map((a) => ({ value: [Date.parse(a.triggeredAt), 'Actions'], name: human(a.action) })) });
  series.push({ name: 'Signup', type: 'line', data: [], markLine: { symbol: 'none', silent: true,
    lineStyle: { color: '#6b7785' }, label: { formatter: 'signup' },
    data: [{ xAxis: signup }, ...(now > signup ? [{ xAxis: now, label: { formatter: 'now' }, lineStyle: { type: 'dotted' } }] : [])] } });
  const box = el('div', { class: 'chart small', id: 'user-journey-chart' });
  main.append(box);
  chart(box, {
    tooltip: { trigger: 'item', formatter: (p) => `${p.seriesName}${p.name ? ': ' + p.name : ''}<br>${time(new Date(p.value[0]).toISOString())}` },
    legend: { top: 0, data: ['Window', 'Reached', 'Stalled', 'Action'] },
    grid: { left: 130, right: 30, top: 30, bottom: 30 },
    xAxis: { type: 'time' },
    yAxis: { type: 'category', data: rows, inverse: true },
    series,
  });
}

function windowText(w) {
  if (!w) return null;
  switch (w.state) {
    case 'open': return el('span', {}, 'window closes ', el('strong', {}, relative(w.closesAt)), ` (${time(w.closesAt)})`);
    case 'closed': return el('span', { class: 'fails' }, `window closed ${relative(w.closesAt)} (${time(w.closesAt)})`);
    case 'not_started': return el('span', { class: 'muted' }, 'window not started: it opens when the milestone before it is reached');
    default: return el('span', { class: 'muted' }, 'no time limit');
  }
}

/** For each milestone not reached yet: which conditions of its rules hold, with the user's values. */
function progressSection(main, u, milestones, progress) {
  main.append(el('h3', {}, 'Progress toward the next milestones'));
  if (progress.error) {
    const e = progress.error;
    main.append(empty(e.status === 404 && !e.code ? 'This service version cannot explain progress yet (no /v1/users/{id}/progress).'
      : 'Could not explain progress: ' + e.message));
    return;
  }
  const open = (progress.value.milestones || []).filter((m) => !m.reached);
  if (!open.length) {
    main.append(el('p', { class: 'notice' }, 'This user reached every milestone.'));
    return;
  }
  const cards = el('div', { class: 'cards', id: 'progress' });
  main.append(cards);
  for (const m of open) {
    const card = el('div', { class: 'card', dataset: { milestone: m.milestone } }, el('h3', {}, human(m.milestone)),
      el('p', {}, windowText(m.window)));
    for (const r of m.rules || []) {
      card.append(el('div', { class: 'rule' },
        el('strong', {}, r.rule), el('span', { class: 'muted' }, ` · ${r.file || ''}`),
        el('ul', {}, (r.conditions || []).map((c) => {
          const mark = c.holds === true ? el('span', { class: 'holds', title: 'holds' }, '✓ ')
            : c.holds === false ? el('span', { class: 'fails', title: 'does not hold' }, '✗ ')
              : el('span', { class: 'unknown', title: 'cannot tell' }, '? ');
          const value = c.current !== undefined && c.current !== null && c.required !== undefined && c.required !== null
            ? el('strong', { class: 'measure' }, ` — ${c.event ? c.event + ': ' : ''}${c.current} of ${c.required}`) : null;
          const reason = c.explained === false ? el('div', { class: 'muted' }, 'cannot be explained: ' + (c.reason || 'unknown')) : null;
          return el('li', {}, mark, c.text, value, reason);
        }))));
    }
    cards.append(card);
  }
}

async function timelinePage(container, path, cursor, number) {
  const page = await get(path + '/timeline' + query({ limit: TIMELINE_PAGE, cursor }));
  const items = page.items || [];
  if (!items.length && number === 1) {
    container.replaceChildren(empty('Nothing happened for this user yet.'));
    return;
  }
  const next = el('button', { type: 'button', class: 'quiet', id: 'timeline-next' }, 'Later entries →');
  next.hidden = !page.nextCursor;
  next.addEventListener('click', () => timelinePage(container, path, page.nextCursor, number + 1));
  const first = el('button', { type: 'button', class: 'quiet' }, '← First entries');
  first.hidden = number === 1;
  first.addEventListener('click', () => timelinePage(container, path, null, 1));
  container.replaceChildren(table(['When', 'What', 'Name', 'Details'], items.map((i) => [
    time(i.at), human(i.type), i.type === 'track' || i.type === 'identify' ? (i.name || '') : human(i.name),
    detail(i),
  ]), { id: 'timeline-table' }), el('div', { class: 'toolbar' }, first, el('span', { class: 'muted' }, `page ${number}`), next));
}

function detail(i) {
  const parts = [];
  if (i.message) parts.push(i.message);
  if (i.rule) parts.push('rule: ' + i.rule);
  if (i.data && Object.keys(i.data).length) parts.push(JSON.stringify(i.data));
  return parts.join(' · ');
}

