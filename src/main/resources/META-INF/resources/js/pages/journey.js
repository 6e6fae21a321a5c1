// Journey: where do users fall off? The funnel of the signup range, with each milestone's target.
import { get, query } from '../api.js';
import { el, human, count, percent, duration, table, empty, day } from '../format.js';
import { chart, shareAxis } from '../charts.js';
import { targetsOrNone, usersLink } from './common.js';

export const title = 'Journey';

const TRAITS = ['plan', 'initial_utm_source', 'initial_utm_medium', 'initial_utm_campaign', 'initial_referrer'];

export async function render(main, ctx) {
  const breakdown = ctx.params.get('breakdown') || '';
  const [funnel, targets] = await Promise.all([
    get('/v1/kpis/funnel' + query({ from: ctx.from, to: ctx.to, breakdown })),
    targetsOrNone(),
  ]);
  const steps = funnel.milestones || [];
  const targetOf = (m) => targets.find((t) => t.milestone === m);

  const input = el('input', { id: 'breakdown', list: 'traits', value: breakdown, placeholder: 'a trait, e.g. plan' });
  const controls = el('form', { class: 'toolbar', id: 'breakdown-form' },
    el('label', {}, 'Break down by ', input),
    el('datalist', { id: 'traits' }, TRAITS.map((t) => el('option', { value: t }))),
    el('button', { type: 'submit' }, 'Break down'),
    breakdown ? el('button', { type: 'button', class: 'quiet', onclick: () => ctx.update({ breakdown: null }) }, 'No breakdown') : null);
  controls.addEventListener('submit', (e) => { e.preventDefault(); ctx.update({ breakdown: input.value.trim() || null }); });

  main.append(el('h2', {}, 'Journey'),
    el('p', { class: 'lead' },
      usersLink(ctx, funnel.cohort, {}, 'Everyone who signed up in the range'),
      ` users signed up from ${day(funnel.from)} to before ${day(funnel.to)}`,
      funnel.asOf ? el('span', { class: 'muted' }, ` · as of ${new Date(funnel.asOf).toLocaleString()}`) : null),
    controls);

  if (!steps.length) {
    main.append(empty('No milestones yet: milestone rules carry @milestone("name") and @order(n); see the Rules page.'));
    return;
  }
  if (!funnel.cohort) {
    main.append(empty('Nobody signed up in this range. Pick another range above, or send identify calls with a createdAt trait.'));
  }

  const box = el('div', { class: 'chart', id: 'funnel-chart' });
  main.append(box);
  const names = steps.map((s) => human(s.milestone));
  const series = [];
  const groups = funnel.breakdown ? funnel.breakdown.groups : [];
  if (groups.length) {
    for (const g of groups) {
      series.push({ name: groupLabel(funnel.breakdown.trait, g), type: 'bar',
        data: g.milestones.map((s) => s.share) });
    }
  } else {
    series.push({ name: 'Reached', type: 'bar', data: steps.map((s) => s.share), barMaxWidth: 70,
      label: { show: true, position: 'top', formatter: (p) => percent(p.value) } });
    series.push({ name: 'Within window', type: 'bar', data: steps.map((s) => share(s.reachedWithinWindow, funnel.cohort)),
      barMaxWidth: 70 });
  }
  const targetPoints = steps.map((s) => (targetOf(s.milestone) ? targetOf(s.milestone).share : null));
  if (targetPoints.some((v) => v !== null)) {
    series.push({ name: 'Target', type: 'scatter', data: targetPoints, symbol: 'rect', symbolSize: [90, 3],
      itemStyle: { color: '#c0392b' }, z: 10,
      label: { show: true, position: 'right', formatter: (p) => 'target ' + percent(p.value, 0), color: '#c0392b' } });
  }
  chart(box, {
    tooltip: { trigger: 'axis', valueFormatter: (v) => percent(v) },
    legend: { top: 4 },
    grid: { left: 50, right: 90, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: names },
    yAxis: shareAxis,
    series,
  });

  const rows = steps.map((s) => {
    const t = targetOf(s.milestone);
    const previous = s.previous ? human(s.previous) : 'signup';
    return [
      el('strong', {}, human(s.milestone)),
      s.within ? el('span', {}, duration(s.within), el('div', { class: 'muted' }, 'from ' + measuredFrom(s))) : 'no window',
      usersLink(ctx, s.reached, { milestone: s.milestone, reached: 'true' }, `Users who reached ${human(s.milestone)}`),
      percent(s.share),
      s.conversionFromPrevious === null || s.conversionFromPrevious === undefined ? '—'
        : el('span', { title: `${count(s.reachedAfterPrevious)} of ${count(s.previousReached)} who reached ${previous}` },
          percent(s.conversionFromPrevious)),
      usersLink(ctx, s.droppedOff, { milestone: s.milestone, state: 'dropped_off' },
        `Users who reached ${previous} and whose window for ${human(s.milestone)} closed without it`),
      usersLink(ctx, s.inProgress, { milestone: s.milestone, state: 'in_progress' },
        `Users whose window for ${human(s.milestone)} is still open`),
      usersLink(ctx, s.reachedWithinWindow, { milestone: s.milestone, state: 'reached_within_window' },
        `Users who reached ${human(s.milestone)} within its window`),
      usersLink(ctx, s.stalled, { stalled: s.milestone }, `Users stalled at ${human(s.milestone)}`),
      usersLink(ctx, s.notReached, { milestone: s.milestone, reached: 'false' }, `Users who have not reached ${human(s.milestone)}`),
      el('span', {}, duration(s.medianTimeToReach), el('div', { class: 'muted' }, duration(s.p90TimeToReach))),
      t ? el('a', { href: ctx.link('targets', { target: t.id }) }, percent(t.share, 0)) : '—',
    ];
  });
  main.append(table([
    'Milestone', 'Window',
    { label: 'Reached', num: true }, { label: 'Share', num: true },
    { label: 'From previous', num: true, title: 'Of those who reached the milestone before it, the share who reached this one' },
    { label: 'Dropped off', num: true, title: 'Reached the milestone before it, but this one\'s window closed without it' },
    { label: 'In progress', num: true, title: 'Window still open: not a drop-off yet' },
    { label: 'Within window', num: true }, { label: 'Stalled', num: true }, { label: 'Not reached', num: true },
    { label: 'Median / p90 time', num: true, title: 'Half of those who reached it took up to the first, nine in ten up to the second' },
    { label: 'Target', num: true },
  ], rows, { id: 'funnel-table' }));

  if (groups.length) {
    const trait = funnel.breakdown.trait;
    main.append(el('h3', {}, `By ${human(trait)}`));
    main.append(table(
      [human(trait), { label: 'Signed up', num: true },
        ...steps.map((s) => ({ label: human(s.milestone), num: true }))],
      groups.map((g) => {
        // "other" stands for many values and null for none: no single trait filter selects them
        const segment = g.other || g.value === null ? null : { ['trait.' + trait]: g.value };
        return [groupLabel(trait, g), segment ? usersLink(ctx, g.cohort, segment) : count(g.cohort),
          ...g.milestones.map((s) => {
            const reached = segment ? usersLink(ctx, s.reached, { ...segment, milestone: s.milestone, reached: 'true' }) : count(s.reached);
            return el('span', {}, percent(s.share), el('span', { class: 'muted' }, ' · '), reached);
          })];
      }), { id: 'breakdown-table' }));
  }
}

function measuredFrom(s) {
  const from = s.measuredFrom || s.after;
  return !from || from === 'signup' ? 'signup' : human(from);
}

function share(n, of) {
  return of ? n / of : 0;
}

function groupLabel(trait, g) {
  if (g.other) return 'Other values';
  if (g.value === null || g.value === undefined) return `No ${human(trait).toLowerCase()}`;
  return String(g.value);
}
