// Pieces several pages share: the milestone catalog, the targets, links that stand for users.
import { get } from '../api.js';
import { el, count } from '../format.js';

/** The milestone catalog in journey order: [{name, order, within, after, rules}]. */
export async function catalog() {
  const list = await get('/v1/milestones');
  return [...list].sort((a, b) => (a.order ?? 1e9) - (b.order ?? 1e9));
}

/** The targets, or none when the service has no targets yet (an older version answers 404). */
export async function targetsOrNone() {
  try {
    return (await get('/v1/targets')).targets || [];
  } catch (e) {
    if (e.status === 404) return [];
    throw e;
  }
}

/**
 * A number that stands for users, as a link to those users on the Users page. segment holds the
 * Users page's parameters (milestone, reached, stalled, trait.<name>); the signup range goes along.
 */
export function usersLink(ctx, n, segment, title) {
  if (n === null || n === undefined) return '—';
  return el('a', { href: ctx.link('users', segment), class: 'users-link', title: title || 'Show these users' }, count(n));
}

/** A select of milestones, with human names. */
export function milestoneSelect(milestones, selected, attrs = {}) {
  return el('select', attrs, milestones.map((m) =>
    el('option', { value: m.name, selected: m.name === selected }, humanName(m.name))));
}

function humanName(n) {
  const s = n.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
