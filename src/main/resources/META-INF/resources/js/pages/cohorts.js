// Cohorts: how did each day's, week's or month's signups do? Shows whether a change moved a milestone.
import { get, query } from '../api.js';
import { el, human, count, percent, day, table, empty } from '../format.js';
import { chart, shareAxis } from '../charts.js';
import { targetsOrNone, usersLink, milestoneSelect } from './common.js';

export const title = 'Cohorts';

export async function render(main, ctx) {
  const interval = ctx.params.get('interval') || 'week';
  const [data, targets] = await Promise.all([
    get('/v1/kpis/cohorts' + query({ from: ctx.from, to: ctx.to, interval })),
    targetsOrNone(),
  ]);
  const milestones = data.milestones || [];
  const selected = ctx.params.get('milestone') || milestones[1] || milestones[0];
  const cohorts = data.cohorts || [];

  const intervalSelect = el('select', { id: 'interval', onchange: (e) => ctx.update({ interval: e.target.value }) },
    ['day', 'week', 'month'].map((i) => el('option', { value: i, selected: i === interval }, 'By ' + i)));
  main.append(el('h2', {}, 'Signup cohorts'),
    el('p', { class: 'lead' }, 'Share of each cohort that reached each milestone (so far). Weeks start on Monday, UTC.'),
    el('div', { class: 'toolbar' }, intervalSelect));

  if (!milestones.length) {
    main.append(empty('No milestones yet: milestone rules carry @milestone("name") and @order(n); see the Rules page.'));
    return;
  }
  if (!cohorts.length) {
    main.append(empty('Nobody signed up in this range. Pick another range above.'));
    return;
  }

  const label = (c) => interval === 'month'
    ? new Date(c.start).toLocaleDateString(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' })
    : new Date(c.start).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const stepOf = (c, m) => (c.milestones || []).find((s) => s.milestone === m) || {};

  const heat = el('div', { class: 'chart', id: 'cohort-heatmap' });
  main.append(heat);
  const cells = [];
  cohorts.forEach((c, x) => milestones.forEach((m, y) => {
    const s = stepOf(c, m);
    cells.push([x, y, s.share ?? 0, s.reached ?? 0]);
  }));
  chart(heat, {
    tooltip: { formatter: (p) => `${label(cohorts[p.value[0]])} · ${human(milestones[p.value[1]])}<br>`
      + `${percent(p.value[2])} (${count(p.value[3])} of ${count(cohorts[p.value[0]].size)})` },
    grid: { left: 130, right: 20, top: 10, bottom: 70 },
    xAxis: { type: 'category', data: cohorts.map(label), splitArea: { show: true } },
    yAxis: { type: 'category', data: milestones.map(human), inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: 1, dimension: 2, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120,
      inRange: { color: ['#f3f6fa', '#9cc0f5', '#2f6fde', '#163d87'] }, formatter: (v) => percent(v, 0) },
    series: [{ type: 'heatmap', data: cells, label: { show: true, formatter: (p) => percent(p.value[2], 0) } }],
  });

  const pick = milestoneSelect(milestones.map((name) => ({ name })), selected,
    { id: 'cohort-milestone', onchange: (e) => ctx.update({ milestone: e.target.value }) });
  const target = targets.find((t) => t.milestone === selected);
  main.append(el('h3', {}, 'Reached within its window, per cohort'),
    el('div', { class: 'toolbar' }, el('label', {}, 'Milestone ', pick),
      target ? el('span', { class: 'muted' }, `Target: ${percent(target.share, 0)} (${target.name})`)
        : el('span', { class: 'muted' }, 'No target for this milestone: set one on the Targets page.')));
  const line = el('div', { class: 'chart small', id: 'cohort-line' });
  main.append(line);
  chart(line, {
    tooltip: { trigger: 'axis', valueFormatter: (v) => percent(v) },
    grid: { left: 50, right: 90, top: 20, bottom: 30 },
    xAxis: { type: 'category', data: cohorts.map(label) },
    yAxis: shareAxis,
    series: [{ name: human(selected) + ' within window', type: 'line', symbolSize: 7,
      data: cohorts.map((c) => stepOf(c, selected).withinWindowShare ?? null),
      markLine: target ? { symbol: 'none', lineStyle: { color: '#c0392b', type: 'dashed' },
        label: { formatter: 'target ' + percent(target.share, 0) }, data: [{ yAxis: target.share }] } : undefined }],
  });

  main.append(table(
    ['Cohort', { label: 'Signed up', num: true }, ...milestones.map((m) => ({ label: human(m), num: true }))],
    cohorts.map((c) => {
      const range = { from: c.start.slice(0, 10), to: c.end.slice(0, 10) };
      return [day(c.start), usersLink(ctx, c.size, range),
        ...milestones.map((m) => {
          const s = stepOf(c, m);
          return el('span', { title: `${count(s.inProgress)} in progress, ${count(s.stalled)} stalled` },
            percent(s.share), el('span', { class: 'muted' }, ' · '),
            usersLink(ctx, s.reached, { ...range, milestone: m, reached: 'true' }));
        })];
    }), { id: 'cohort-table' }));
}
