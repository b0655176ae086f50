// LogQL lexing for the editor: tokens for highlighting, bracket matching and the completion context.
// It is deliberately tolerant (the server's parser is the judge of validity); unknown text becomes "text" tokens.

export const PARSERS = ['json', 'logfmt', 'regexp', 'pattern', 'unpack'];
export const STAGES = [
  ['json', 'parse JSON into labels'], ['logfmt', 'parse logfmt into labels'], ['regexp', 'extract with named groups'],
  ['pattern', 'extract with a pattern'], ['unpack', 'unpack packed entries'], ['line_format', 'rewrite the line with a template'],
  ['label_format', 'rename or template labels'], ['drop', 'drop labels'], ['keep', 'keep only these labels'],
  ['decolorize', 'strip ANSI colours'], ['unwrap', 'use a label as the sample value'],
];
export const RANGE_FUNCS = [
  'count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'absent_over_time', 'sum_over_time', 'avg_over_time',
  'max_over_time', 'min_over_time', 'first_over_time', 'last_over_time', 'stdvar_over_time', 'stddev_over_time',
  'quantile_over_time', 'rate_counter',
];
export const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'sort', 'sort_desc'];
export const OTHER_FUNCS = ['label_replace', 'vector', 'absent_over_time'];
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', ...STAGES.map(s => s[0])]);
const FUNCS = new Set([...RANGE_FUNCS, ...AGGREGATIONS, ...OTHER_FUNCS]);

/** Splits a query into tokens {type, text, start, end}; types: string, label, op, pipe, kw, fn, num, dur, bracket, comment, ws, text. */
export function tokenize(q) {
  const out = [];
  let i = 0;
  const push = (type, start, end) => out.push({ type, text: q.slice(start, end), start, end });
  while (i < q.length) {
    const c = q[i], s = i;
    if (c === '#') { while (i < q.length && q[i] !== '\n') i++; push('comment', s, i); continue; }
    if (/\s/.test(c)) { while (i < q.length && /\s/.test(q[i])) i++; push('ws', s, i); continue; }
    if (c === '"' || c === '`') {
      i++;
      while (i < q.length && q[i] !== c) { if (c === '"' && q[i] === '\\') i++; i++; }
      i = Math.min(i + 1, q.length); push('string', s, i); continue;
    }
    if ('{}()[]'.includes(c)) { i++; push('bracket', s, i); continue; }
    const two = q.slice(i, i + 2);
    if (['|=', '|~', '|>', '!=', '!~', '=~', '==', '>=', '<=', '!>'].includes(two)) { i += 2; push(two[0] === '|' ? 'pipe' : 'op', s, i); continue; }
    if (c === '|') { i++; push('pipe', s, i); continue; }
    if ('=<>+-*/%^,'.includes(c)) { i++; push('op', s, i); continue; }
    if (/[0-9]/.test(c)) {
      while (i < q.length && /[0-9.eE]/.test(q[i])) i++;
      if (/[a-zµ]/.test(q[i] || '')) { while (i < q.length && /[0-9a-zµ.]/.test(q[i])) i++; push('dur', s, i); } else push('num', s, i);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < q.length && /[A-Za-z0-9_.]/.test(q[i])) i++;
      const w = q.slice(s, i);
      let j = i; while (j < q.length && q[j] === ' ') j++;
      const nextCh = q[j];
      if (FUNCS.has(w) && nextCh === '(') push('fn', s, i);
      else if (KEYWORDS.has(w)) push('kw', s, i);
      else push('label', s, i);
      continue;
    }
    i++; push('text', s, i);
  }
  return out;
}

/** Index of the bracket matching the one at (or just before) pos, as [a, b], or null. */
export function matchBracket(q, pos) {
  const pairs = { '(': ')', '[': ']', '{': '}' }, rev = { ')': '(', ']': '[', '}': '{' };
  const toks = tokenize(q).filter(t => t.type === 'bracket');
  let idx = toks.findIndex(t => t.start === pos - 1);
  if (idx < 0) idx = toks.findIndex(t => t.start === pos);
  if (idx < 0) return null;
  const t = toks[idx].text;
  if (pairs[t]) {
    let depth = 0;
    for (let k = idx; k < toks.length; k++) {
      if (toks[k].text === t) depth++; else if (toks[k].text === pairs[t] && --depth === 0) return [toks[idx].start, toks[k].start];
    }
  } else {
    let depth = 0;
    for (let k = idx; k >= 0; k--) {
      if (toks[k].text === t) depth++; else if (toks[k].text === rev[t] && --depth === 0) return [toks[k].start, toks[idx].start];
    }
  }
  return null;
}

/**
 * What may be typed at pos: {kind: 'label-name'|'label-value'|'stage'|'function'|'none', prefix, from, label}.
 * from is where the replaced text starts (the prefix's start).
 */
export function completionContext(q, pos) {
  const before = q.slice(0, pos);
  const toks = tokenize(before);
  // Inside a selector? Track brace depth ignoring strings.
  let depth = 0;
  for (const t of toks) if (t.type === 'bracket') { if (t.text === '{') depth++; else if (t.text === '}') depth = Math.max(0, depth - 1); }
  const last = toks[toks.length - 1];
  const sig = toks.filter(t => t.type !== 'ws');
  const lastSig = sig[sig.length - 1], prevSig = sig[sig.length - 2];
  if (depth > 0) {
    // Value: after an operator, optionally inside an open string.
    if (last && last.type === 'string' && !/^(".*[^\\]"|"")$|^`.*`$/s.test(last.text) && last.text.length >= 1) {
      const opTok = sig[sig.length - 2], nameTok = sig[sig.length - 3];
      if (opTok && opTok.type === 'op' && nameTok && nameTok.type === 'label')
        return { kind: 'label-value', label: nameTok.text, prefix: last.text.slice(1), from: last.start + 1, quoted: true, regex: opTok.text.includes('~') };
    }
    if (lastSig && lastSig.type === 'op' && ['=', '!=', '=~', '!~'].includes(lastSig.text) && prevSig && prevSig.type === 'label')
      return { kind: 'label-value', label: prevSig.text, prefix: '', from: pos, quoted: false, regex: lastSig.text.includes('~') };
    if (last && (last.type === 'label' || last.type === 'kw') && last.end === pos && (!prevSig || prevSig.text === '{' || prevSig.text === ','))
      return { kind: 'label-name', prefix: last.text, from: last.start };
    if (lastSig && (lastSig.text === '{' || lastSig.text === ','))
      return { kind: 'label-name', prefix: '', from: pos };
    return { kind: 'none' };
  }
  if (last && (last.type === 'label' || last.type === 'kw' || last.type === 'fn') && last.end === pos) {
    if (prevSig && prevSig.type === 'pipe' && prevSig.text === '|') return { kind: 'stage', prefix: last.text, from: last.start };
    if (prevSig && prevSig.text === '(' && sig.length >= 3 && ['by', 'without'].includes(sig[sig.length - 3].text)) return { kind: 'label-name', prefix: last.text, from: last.start };
    if (!prevSig || prevSig.text === '(' || prevSig.type === 'op') return { kind: 'function', prefix: last.text, from: last.start };
    return { kind: 'none' };
  }
  if (lastSig && lastSig.type === 'pipe' && lastSig.text === '|' && last.type === 'ws') return { kind: 'stage', prefix: '', from: pos };
  if (lastSig && lastSig.text === '(' && sig.length >= 2 && ['by', 'without'].includes(prevSig.text)) return { kind: 'label-name', prefix: '', from: pos };
  if (!lastSig) return { kind: 'function', prefix: '', from: pos };
  return { kind: 'none' };
}

/** Line and column (1-based) of a server parse error ("parse error at line 1, col 14: …"), or null. */
export function errorPosition(message) {
  const m = /line (\d+), col (\d+)/.exec(message || '');
  // Loki reports line 0 for tokens its lexer reads character by character (|=, |~, …): the column still counts.
  return m ? { line: Math.max(1, +m[1]), col: +m[2] } : null;
}

/** True when the query is a metric query (starts with a function/aggregation, or is a number expression). */
export function isMetricQuery(q) {
  const toks = tokenize(q).filter(t => t.type !== 'ws' && t.type !== 'comment');
  if (!toks.length) return false;
  const first = toks[0];
  return first.type === 'fn' || (first.type === 'bracket' && first.text === '(') || first.type === 'num' || AGGREGATIONS.includes(first.text);
}

/** The stream selector {…} at the start of a log query, or null. */
export function selectorOf(q) {
  const i = q.indexOf('{');
  if (i < 0) return null;
  const m = matchBracket(q, i);
  return m ? { start: m[0], end: m[1] + 1, text: q.slice(m[0], m[1] + 1) } : null;
}

/** Parses {a="b", c=~"d"} into [{name, op, value}] (values unescaped). */
export function parseSelector(text) {
  const out = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)/g;
  let m;
  while ((m = re.exec(text))) out.push({ name: m[1], op: m[2], value: m[3][0] === '`' ? m[3].slice(1, -1) : JSON.parse(m[3]) });
  return out;
}

export const quote = (s) => JSON.stringify(String(s));

/** A selector for a label set: {a="1", b="2"}. */
export function selectorFor(labels) {
  const keys = Object.keys(labels).filter(k => !k.startsWith('__')).sort();
  return '{' + keys.map(k => `${k}=${quote(labels[k])}`).join(', ') + '}';
}

/**
 * Adds a filter for a label or field to a log query (the filter-for / filter-out buttons):
 * a stream label goes into the selector (replacing a matcher on the same name), a parsed field becomes a label
 * filter stage after the parser that produced it (the parser is added when the query lacks it).
 */
export function addFilter(q, { name, value, negate, stream, parser }) {
  const op = negate ? '!=' : '=';
  const sel = selectorOf(q);
  if (stream && sel) {
    const ms = parseSelector(sel.text).filter(m => !(m.name === name && (m.op === op || m.op === (negate ? '=' : '!='))));
    ms.push({ name, op, value });
    const text = '{' + ms.map(m => `${m.name}${m.op}${quote(m.value)}`).join(', ') + '}';
    return q.slice(0, sel.start) + text + q.slice(sel.end);
  }
  let base = q.trimEnd();
  if (parser && !new RegExp(`\\|\\s*${parser}\\b`).test(base)) base += ` | ${parser}`;
  return `${base} | ${name}${op}${quote(value)}`;
}
