// Milepost dashboard: reads the KPI, milestone and rules endpoints with the admin key.
(function () {
  const $ = (id) => document.getElementById(id);
  const keyInput = $('key');
  keyInput.value = localStorage.getItem('milepost.key') || '';
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 30 * 86400000);
  $('from').value = localStorage.getItem('milepost.from') || monthAgo.toISOString().slice(0, 10);
  $('to').value = localStorage.getItem('milepost.to') || new Date(today.getTime() + 86400000).toISOString().slice(0, 10);

  async function get(path) {
    const headers = keyInput.value ? { Authorization: 'Bearer ' + keyInput.value } : {};
    const response = await fetch(path, { headers });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error((body.message || response.statusText) + ' (' + response.status + ')');
    }
    return body;
  }

  function cell(text, numeric) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '—' : text;
    if (numeric) td.className = 'num';
    return td;
  }

  function percent(x) { return (Math.round(x * 1000) / 10).toFixed(1) + '%'; }

  // ISO-8601 duration (PT36H5M, PT0.5S) to "1d 12h"
  function duration(iso) {
    if (!iso) return null;
    const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(iso);
    if (!m) return iso;
    let seconds = (+m[1] || 0) * 3600 + (+m[2] || 0) * 60 + (+m[3] || 0);
    const d = Math.floor(seconds / 86400); seconds -= d * 86400;
    const h = Math.floor(seconds / 3600); seconds -= h * 3600;
    const min = Math.floor(seconds / 60);
    return [d ? d + 'd' : '', h ? h + 'h' : '', !d && min ? min + 'm' : ''].filter(Boolean).join(' ') || '<1m';
  }

  function render(funnel, actions, rules) {
    $('cohort').textContent = funnel.cohort + ' users signed up';
    const tbody = $('funnel').querySelector('tbody');
    tbody.replaceChildren();
    funnel.milestones.forEach((m, i) => {
      const tr = document.createElement('tr');
      tr.append(cell(m.order ?? i + 1), cell(m.milestone), cell(m.reached, true));
      const barCell = document.createElement('td');
      const bar = document.createElement('div');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = Math.min(100, m.share * 100) + '%';
      const label = document.createElement('em');
      label.textContent = percent(m.share);
      bar.append(fill, label);
      barCell.append(bar);
      const conversion = m.conversionFromPrevious;
      tr.append(barCell, cell(conversion === null ? null : percent(conversion), true),
        cell(conversion === null ? null : percent(1 - conversion), true),
        cell(m.within ? m.reachedWithinWindow + ' (' + duration(m.within) + ')' : m.reachedWithinWindow, true),
        cell(m.stalled, true), cell(duration(m.medianTimeToReach), true), cell(duration(m.p90TimeToReach), true));
      tbody.append(tr);
    });
    const abody = $('actions').querySelector('tbody');
    abody.replaceChildren();
    actions.actions.forEach((a) => {
      const tr = document.createElement('tr');
      tr.append(cell(a.action), cell(a.triggered, true), cell(a.users, true), cell(a.delivered, true),
        cell(a.treated.converted + ' (' + percent(a.treated.rate || 0) + ')', true));
      abody.append(tr);
    });
    $('rules').textContent = rules.version
      ? 'Version ' + rules.version + ', ' + rules.rules.length + ' rules in ' + rules.files.length + ' files, loaded '
        + new Date(rules.loadedAt).toLocaleString()
      : 'No rules loaded.';
    const errors = $('rule-errors');
    errors.replaceChildren();
    rules.errors.forEach((e) => {
      const li = document.createElement('li');
      li.textContent = e.file + ':' + e.line + ':' + e.column + ' ' + e.message;
      errors.append(li);
    });
  }

  async function load() {
    localStorage.setItem('milepost.key', keyInput.value);
    localStorage.setItem('milepost.from', $('from').value);
    localStorage.setItem('milepost.to', $('to').value);
    const range = '?from=' + $('from').value + '&to=' + $('to').value;
    $('status').textContent = 'Loading…';
    $('status').className = '';
    try {
      const [funnel, actions, rules] = await Promise.all(
        [get('/v1/kpis/funnel' + range), get('/v1/kpis/actions' + range), get('/v1/rules')]);
      render(funnel, actions, rules);
      $('status').textContent = '';
    } catch (e) {
      $('status').textContent = 'Could not load: ' + e.message;
      $('status').className = 'error';
    }
  }

  $('controls').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  load();
})();
