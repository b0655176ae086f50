// Time ranges: relative ("now-1h") or absolute (epoch milliseconds), as Grafana writes them in URLs.

const UNITS = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000, y: 31536000000 };

export const RELATIVE = [
  ['now-5m', 'Last 5 minutes'], ['now-15m', 'Last 15 minutes'], ['now-30m', 'Last 30 minutes'], ['now-1h', 'Last 1 hour'],
  ['now-3h', 'Last 3 hours'], ['now-6h', 'Last 6 hours'], ['now-12h', 'Last 12 hours'], ['now-24h', 'Last 24 hours'],
  ['now-2d', 'Last 2 days'], ['now-7d', 'Last 7 days'], ['now-30d', 'Last 30 days'],
];

/** Parses a duration such as 1h30m or 500ms into milliseconds; NaN when invalid. */
export function parseDuration(s) {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
  let total = 0, m, used = 0;
  while ((m = re.exec(s))) { total += parseFloat(m[1]) * UNITS[m[2]]; used += m[0].length; }
  return used === s.length && used > 0 ? total : NaN;
}

/** Resolves "now", "now-1h", epoch ms or an ISO date to epoch milliseconds; NaN when invalid. */
export function resolve(t, now = Date.now()) {
  t = String(t).trim();
  if (t === 'now') return now;
  const m = /^now-(.+)$/.exec(t);
  if (m) return now - parseDuration(m[1]);
  if (/^\d{10,}$/.test(t)) return +t;
  const d = Date.parse(t.includes('T') || !t.includes(' ') ? t : t.replace(' ', 'T'));
  return d;
}

export function label(from, to) {
  const rel = RELATIVE.find(r => r[0] === from && to === 'now');
  if (rel) return rel[1];
  if (String(from).startsWith('now-') && to === 'now') return 'Last ' + from.slice(4);
  return `${fmtDate(resolve(from))} → ${fmtDate(resolve(to))}`;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
export function fmtDate(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
export function fmtTime(ms, withMs = true) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` + (withMs ? '.' + pad(d.getMilliseconds(), 3) : '');
}
/** Picks a step in seconds giving about `points` points over the range, rounded to a friendly value. */
export function stepFor(rangeMs, points) {
  const raw = rangeMs / 1000 / points;
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  return nice.find(n => n >= raw) || Math.ceil(raw / 86400) * 86400;
}
