// Webhooks: are actions reaching our tools? Endpoint health, failing deliveries with their attempts, retry,
// and switching an endpoint off and on.
import { get, post, patch, query } from '../api.js';
import { el, human, count, percent, time, relative, table, empty } from '../format.js';

export const title = 'Webhooks';

export async function render(main, ctx) {
  const [hooks, failed, pending] = await Promise.all([get('/v1/webhooks'),
    get('/v1/deliveries' + query({ status: 'failed', limit: 25 })),
    get('/v1/deliveries' + query({ status: 'pending', limit: 100 }))]);
  const endpoints = hooks.endpoints || [];
  main.append(el('h2', {}, 'Webhooks'));
  if (!endpoints.length) {
    main.append(empty('No webhook endpoints yet: register one with POST /v1/webhooks {"url": "https://…", "types": ["action.triggered"]} '
      + 'and the milestones and actions of your users are sent there, signed.'));
    return;
  }
  main.append(table(['Endpoint', 'State', { label: 'Success (day)', num: true }, { label: 'Last hour', num: true },
    { label: 'Latency p50 / p99', num: true }, { label: 'Waiting', num: true }, 'Last error', ''],
  endpoints.map((e) => {
    const h = e.health || null;
    const hour = h && h.lastHour;
    const toggle = el('button', { type: 'button', class: e.enabled ? 'danger' : '', dataset: { endpoint: e.id } },
      e.enabled ? 'Disable' : 'Enable');
    toggle.addEventListener('click', async () => {
      toggle.disabled = true;
      await patch('/v1/webhooks/' + encodeURIComponent(e.id), { enabled: !e.enabled });
      ctx.refresh();
    });
    return [
      el('div', {}, el('strong', {}, e.description || e.url), e.description ? el('div', { class: 'muted' }, e.url) : null,
        el('div', { class: 'muted' }, (e.types || []).length ? 'only ' + e.types.join(', ') : 'every message type')),
      el('span', { class: 'badge ' + (e.enabled ? 'ok' : 'off'), title: e.disabledReason || '' },
        e.enabled ? 'enabled' : 'disabled' + (e.disabledReason ? ': ' + e.disabledReason : '')),
      h ? percent(h.successRate) : '—',
      hour ? `${count(hour.delivered)} sent · ${count(hour.failed)} failed · ${count(hour.retrying)} retrying` : '—',
      h ? `${ms(h.latencyP50Ms)} / ${ms(h.latencyP99Ms)}` : '—',
      h ? `${count(h.waiting)}${h.oldestWaitingAt ? ' · oldest ' + relative(h.oldestWaitingAt) : ''}` : '—',
      h && h.lastError ? el('span', { class: 'fails wrap' }, `${time(h.lastError.at)}: ${lastError(h.lastError)}`) : '—',
      toggle,
    ];
  }), { id: 'endpoints-table' }));

  const failing = [...(failed.deliveries || []), ...(pending.deliveries || []).filter((d) => d.attempts > 0 && d.lastError)];
  main.append(el('h3', {}, 'Failing deliveries'));
  if (!failing.length) {
    main.append(el('p', { class: 'notice' }, 'No failing deliveries: every message was accepted, or is on its first try.'));
    return;
  }
  const endpointName = (id) => {
    const e = endpoints.find((x) => x.id === id);
    return e ? e.description || e.url : id;
  };
  const list = el('tbody');
  main.append(el('table', { id: 'failing-table' },
    el('thead', {}, el('tr', {}, ['Delivery', 'To', 'What', 'User', 'Status', { label: 'Attempts', num: true }, 'Last error', '']
      .map((h) => el('th', { class: h.num ? 'num' : null }, h.label || h)))), list));
  for (const d of failing) {
    const log = el('tr', { class: 'attempt-log', hidden: true }, el('td', { colspan: 8 }));
    const show = el('button', { type: 'button', class: 'quiet' }, 'Attempts');
    show.addEventListener('click', async () => {
      if (!log.hidden) { log.hidden = true; return; }
      const full = await get('/v1/deliveries/' + d.id);
      log.firstChild.replaceChildren(attempts(full));
      log.hidden = false;
    });
    const retry = el('button', { type: 'button', class: 'retry', dataset: { delivery: String(d.id) } }, 'Retry');
    const status = el('span', { class: 'badge ' + (d.status === 'pending' ? 'retrying' : d.status) },
      d.status === 'pending' ? `retrying ${d.nextAttemptAt ? relative(d.nextAttemptAt) : ''}` : d.status);
    retry.addEventListener('click', async () => {
      retry.disabled = true;
      try {
        const queued = await post('/v1/deliveries/' + d.id + '/retry');
        status.className = 'badge retrying';
        const next = queued && queued.nextAttemptAt ? Date.parse(queued.nextAttemptAt) : 0;
        status.textContent = 'queued again' + (next - Date.now() > 60000 ? ' ' + relative(queued.nextAttemptAt) : ', now');
      } catch (error) {
        status.textContent = 'Could not retry: ' + error.message;
        retry.disabled = false;
      }
    });
    list.append(el('tr', { dataset: { delivery: String(d.id) } },
      el('td', {}, String(d.id)), el('td', {}, endpointName(d.endpointId)),
      el('td', {}, `${human(d.type)}${d.subject ? ': ' + human(d.subject) : ''}`),
      el('td', {}, d.userId ? el('a', { href: ctx.link('user', { id: d.userId }) }, d.userId) : '—'),
      el('td', {}, status), el('td', { class: 'num' }, count(d.attempts)),
      el('td', { class: 'fails' }, el('span', { class: 'wrap' }, d.lastError || (d.lastStatusCode ? 'HTTP ' + d.lastStatusCode : ''))),
      el('td', {}, show, ' ', retry)), log);
  }
}

function ms(v) {
  return v === null || v === undefined ? '—' : count(v) + ' ms';
}

/** The attempt log: the agreed shape "attempts":[{at,status,durationMs,error}], or "attemptLog" of older versions. */
function attempts(d) {
  const list = Array.isArray(d.attempts) ? d.attempts : d.attemptLog || [];
  if (!list.length) return empty('No attempt recorded yet.');
  return table([{ label: '#', num: true }, 'When', 'Answer', { label: 'Took', num: true }],
    list.map((a, i) => [a.attempt ?? i + 1, time(a.at || a.startedAt), a.error ? el('span', { class: 'fails' },
      `${a.status || a.statusCode ? (a.status || a.statusCode) + ' ' : ''}${a.error}`) : String(a.status ?? a.statusCode ?? ''),
    ms(a.durationMs)]));
}

/** An endpoint's last error in words: the message, else the status (the message often says the status already). */
function lastError(e) {
  const status = e.status ? 'HTTP ' + e.status : '';
  if (!e.message) return status;
  return !status || e.message.includes(String(e.status)) ? e.message : status + ': ' + e.message;
}
