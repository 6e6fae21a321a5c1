// Actions: did the nudges work? Conversion of the users who got each action against its held-out control group.
import { get, query } from '../api.js';
import { el, human, count, percent, points, table, empty } from '../format.js';
import { chart, shareAxis } from '../charts.js';

export const title = 'Actions';

export async function render(main, ctx) {
  const data = await get('/v1/kpis/actions' + query({ from: ctx.from, to: ctx.to }));
  const actions = data.actions || [];
  main.append(el('h2', {}, 'Actions'),
    el('p', { class: 'lead' }, 'For users who signed up in the range: how often each action fired, and whether the users who got it '
      + 'then reached the milestone it pushes toward more often than a held-out control group.'));
  if (!actions.length) {
    main.append(empty('No action fired for users who signed up in this range. Actions come from rules that call trigger("name").'));
    return;
  }
  const withControl = actions.filter((a) => a.control);
  if (withControl.length) {
    const box = el('div', { class: 'chart small', id: 'actions-chart' });
    main.append(box);
    chart(box, {
      tooltip: { trigger: 'axis', valueFormatter: (v) => percent(v) },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: withControl.map((a) => human(a.action)) },
      yAxis: shareAxis,
      series: [
        { name: 'Got the action', type: 'bar', barMaxWidth: 50, data: withControl.map((a) => a.treated.rate) },
        { name: 'Held out (control)', type: 'bar', barMaxWidth: 50, data: withControl.map((a) => a.control.rate) },
      ],
    });
  }
  main.append(table(['Action', { label: 'Fired', num: true }, { label: 'Users', num: true }, { label: 'Delivered', num: true },
    { label: 'Held out', num: true }, { label: 'Suppressed', num: true, title: 'Recorded but not sent: too old, or its stall was already resolved' },
    { label: 'Got it: converted', num: true }, { label: 'Control: converted', num: true },
    { label: 'Difference', num: true }, { label: '95% interval', num: true }],
  actions.map((a) => {
    const treated = a.treated || {};
    const control = a.control;
    const ci = a.confidenceInterval;
    return [
      el('strong', {}, human(a.action)),
      count(a.triggered), count(a.users), count(a.delivered),
      a.holdout === null || a.holdout === undefined ? count(a.heldOut) : `${count(a.heldOut)} (${percent(a.holdout, 0)})`,
      count(a.suppressed),
      treated.rate === undefined ? '—' : `${percent(treated.rate)} (${count(treated.converted)} of ${count(treated.users)})`,
      control ? `${percent(control.rate)} (${count(control.converted)} of ${count(control.users)})`
        : el('span', { class: 'muted', title: 'Add @holdout("10%") to the action\'s rule to keep a control group' }, 'no control group'),
      control ? el('strong', {}, points(a.difference)) : '—',
      ci ? `${points(ci.low)} to ${points(ci.high)}` + verdict(ci) : '—',
    ];
  }), { id: 'actions-table' }));
  if (actions.some((a) => !a.control)) {
    main.append(el('p', { class: 'muted' }, 'Without a control group the difference cannot be measured: add @holdout("10%") '
      + 'to an action rule to keep a stable random tenth of its users from getting it.'));
  }
}

/** What the interval says in words: it helped, it hurt, or the difference could be chance. */
function verdict(ci) {
  if (ci.low > 0) return ' · it helped';
  if (ci.high < 0) return ' · it hurt';
  return ' · could be chance';
}
