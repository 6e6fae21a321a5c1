// Time to value: how long does it take to reach each milestone, from signup or from the milestone before it?
import { get, query } from '../api.js';
import { el, human, count, duration, empty } from '../format.js';
import { chart } from '../charts.js';
import { catalog } from './common.js';

export const title = 'Time to value';

export async function render(main, ctx) {
  const milestones = await catalog();
  main.append(el('h2', {}, 'Time to value'),
    el('p', { class: 'lead' }, 'How long users took to reach each milestone, for those who signed up in the range and reached it.'));
  if (!milestones.length) {
    main.append(empty('No milestones yet: milestone rules carry @milestone("name") and @order(n); see the Rules page.'));
    return;
  }
  const answers = await Promise.all(milestones.map((m) =>
    get('/v1/kpis/time-to-reach' + query({ milestone: m.name, from: ctx.from, to: ctx.to }))));
  answers.forEach((a, i) => {
    const from = a.measuredFrom && a.measuredFrom !== 'signup' ? human(a.measuredFrom) : 'signup';
    const p = a.percentiles || {};
    const section = el('section', { class: 'histogram', dataset: { milestone: a.milestone } },
      el('h3', {}, `${human(a.milestone)}: time from ${from}`),
      el('p', { class: 'muted' }, a.reached
        ? `${count(a.reached)} reached it · median ${duration(p.p50)} · 3 in 4 within ${duration(p.p75)} · 9 in 10 within ${duration(p.p90)}`
        + (milestones[i].within ? ` · window ${duration(milestones[i].within)}` : '')
        : 'Nobody who signed up in this range has reached it yet.'));
    main.append(section);
    if (!a.reached) return;
    const box = el('div', { class: 'chart small' });
    section.append(box);
    const buckets = a.buckets || [];
    chart(box, {
      tooltip: { trigger: 'axis' },
      grid: { left: 50, right: 20, top: 30, bottom: 75 },
      xAxis: { type: 'category', data: buckets.map((b) => b.label), axisLabel: { interval: 0, rotate: 25 },
        name: `time from ${from}`, nameLocation: 'middle', nameGap: 58 },
      yAxis: { type: 'value', name: 'users', minInterval: 1 },
      series: [{ name: 'Users', type: 'bar', data: buckets.map((b) => b.count), barCategoryGap: '10%' }],
    });
  });
}
