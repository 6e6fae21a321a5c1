// Targets: are we on track? Each SMART target with its cohorts, status and projection; create, edit, delete.
import { get, post, patch, del, ApiError } from '../api.js';
import { el, human, count, percent, day, time, table, empty } from '../format.js';
import { chart, shareAxis } from '../charts.js';
import { catalog, milestoneSelect } from './common.js';

export const title = 'Targets';

const STATUS = { met: 'Met', on_track: 'On track', at_risk: 'At risk', missed: 'Missed' };

export async function render(main, ctx) {
  const [list, milestones] = await Promise.all([get('/v1/targets'), catalog()]);
  const targets = list.targets || [];
  const editing = targets.find((t) => t.id === ctx.params.get('edit'));

  main.append(el('h2', {}, 'Targets'),
    el('p', { class: 'lead' }, 'Time-bound goals for a milestone: the share of each weekly or monthly signup cohort that should reach it.'));
  main.append(form(ctx, milestones, editing));

  if (!targets.length) {
    main.append(empty('No targets yet: set one above, e.g. "60% of each weekly cohort reaches First value within its window by the end of March".'));
    return;
  }
  main.append(table(['Target', 'Milestone', { label: 'Goal', num: true }, 'Status', { label: 'Latest cohort', num: true },
    'Progress', { label: 'Projection', num: true }, 'Deadline', ''],
  targets.map((t) => {
    const current = t.current || null;
    const bar = el('span', { class: 'bar', title: current ? percent(current.share) + ' of ' + percent(t.share, 0) : '' },
      el('span', { style: `width:${Math.min(100, (current ? current.share : 0) * 100)}%` }),
      el('i', { style: `left:${Math.min(100, t.share * 100)}%` }));
    return [
      el('a', { href: ctx.link('targets', { target: t.id }) }, t.name),
      human(t.milestone) + (t.withinWindow ? ' within its window' : ''),
      `${percent(t.share, 0)} per ${t.cohort}`,
      el('span', { class: 'badge ' + t.status, title: t.statusSince ? 'since ' + time(t.statusSince) : null }, STATUS[t.status] || t.status || '—'),
      current ? `${percent(current.share)} of ${count(current.size)}${current.complete ? '' : ' (so far)'}` : '—',
      bar,
      t.projection ? el('span', { title: t.projection.method }, `${percent(t.projection.share)} by ${day(t.projection.at)}`) : 'not enough cohorts',
      day(t.deadline),
      el('span', {},
        el('button', { type: 'button', class: 'quiet', onclick: () => ctx.update({ edit: t.id }) }, 'Edit'), ' ',
        deleteButton(ctx, t)),
    ];
  }), { id: 'targets-table' }));

  const shown = targets.find((t) => t.id === ctx.params.get('target')) || targets[0];
  main.append(el('h3', {}, `${shown.name}: cohorts against the goal`));
  if (shown.explanation) main.append(el('p', { class: 'target-explanation' }, shown.explanation));
  const cohorts = shown.cohorts || [];
  if (!cohorts.length) {
    main.append(empty('No cohorts in this target yet: nobody signed up since it started counting.'));
    return;
  }
  const box = el('div', { class: 'chart small', id: 'target-chart' });
  main.append(box);
  const label = (c) => new Date(c.start).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  chart(box, {
    tooltip: { trigger: 'axis', valueFormatter: (v) => percent(v) },
    grid: { left: 50, right: 90, top: 20, bottom: 30 },
    xAxis: { type: 'category', data: cohorts.map(label) },
    yAxis: shareAxis,
    series: [{ name: 'Reached', type: 'bar', barMaxWidth: 40,
      data: cohorts.map((c) => ({ value: c.share, itemStyle: { opacity: c.complete ? 1 : 0.45 } })),
      markLine: { symbol: 'none', lineStyle: { color: '#c0392b', type: 'dashed' },
        label: { formatter: 'goal ' + percent(shown.share, 0) }, data: [{ yAxis: shown.share }] } }],
  });
  main.append(table(['Cohort', { label: 'Signed up', num: true }, { label: 'Reached', num: true }, { label: 'Share', num: true }, ''],
    cohorts.map((c) => [day(c.start), count(c.size), count(c.reached), percent(c.share), c.complete ? '' : 'still open'])));
}

function deleteButton(ctx, t) {
  const button = el('button', { type: 'button', class: 'danger' }, 'Delete');
  button.addEventListener('click', async () => {
    // a second click confirms, so nothing is deleted by a stray click
    if (!button.dataset.armed) {
      button.dataset.armed = 'true';
      button.textContent = 'Really delete?';
      return;
    }
    await del('/v1/targets/' + encodeURIComponent(t.id));
    ctx.update({ edit: null, target: null });
    ctx.refresh();
  });
  return button;
}

function form(ctx, milestones, editing) {
  const t = editing || { name: '', milestone: (milestones[1] || milestones[0] || {}).name, share: 0.6, withinWindow: true,
    cohort: 'week', deadline: '' };
  const name = el('input', { id: 'target-name', required: true, value: t.name, placeholder: 'Weekly first value', size: 24 });
  const milestone = milestoneSelect(milestones, t.milestone, { id: 'target-milestone' });
  const share = el('input', { id: 'target-share', type: 'number', min: 1, max: 100, step: 1, required: true,
    value: String(Math.round(t.share * 100)), style: 'width:5em' });
  const within = el('input', { id: 'target-within', type: 'checkbox', checked: t.withinWindow !== false });
  const cohort = el('select', { id: 'target-cohort' },
    ['week', 'month'].map((c) => el('option', { value: c, selected: c === t.cohort }, 'each ' + c + "'s signups")));
  const deadline = el('input', { id: 'target-deadline', type: 'date', required: true, value: t.deadline || '' });
  const message = el('div', { id: 'target-message' });
  const f = el('form', { id: 'target-form', class: 'card' },
    el('strong', {}, editing ? `Edit "${editing.name}"` : 'New target'),
    el('label', {}, 'Name ', name),
    el('label', {}, share, '% of ', cohort),
    el('label', {}, 'reach ', milestone),
    el('label', {}, within, ' within its window'),
    el('label', {}, 'by ', deadline),
    el('button', { type: 'submit' }, editing ? 'Save' : 'Create target'),
    editing ? el('button', { type: 'button', class: 'quiet', onclick: () => ctx.update({ edit: null }) }, 'Cancel') : null,
    message);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), milestone: milestone.value, share: Number(share.value) / 100,
      withinWindow: within.checked, cohort: cohort.value, deadline: deadline.value };
    try {
      const saved = editing ? await patch('/v1/targets/' + encodeURIComponent(editing.id), body) : await post('/v1/targets', body);
      ctx.update({ edit: null, target: saved.id });
    } catch (error) {
      message.replaceChildren(el('div', { class: 'error', role: 'alert' }, error.message,
        error instanceof ApiError && error.details.length
          ? el('ul', {}, error.details.map((d) => el('li', {}, typeof d === 'string' ? d : [d.field, d.message].filter(Boolean).join(': '))))
          : null));
    }
  });
  return f;
}
