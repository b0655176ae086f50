// The LogQL (or PromQL) editor: a transparent textarea over a highlighted <pre>, with bracket matching,
// autocomplete (label names and values from the API for the current range, stages, functions), the server's parse
// error marked at its column, query history (localStorage) and ctrl-enter to run.
import { tokenize, matchBracket, completionContext, errorPosition, STAGES, RANGE_FUNCS, AGGREGATIONS } from './logql.js';
import { h, esc } from './dom.js';

const HISTORY_KEY = 'sawmill.history';
export const history = {
  list: () => { try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch { return []; } },
  add(q) {
    if (!q.trim()) return;
    const l = history.list().filter(x => x !== q);
    l.unshift(q);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(l.slice(0, 50)));
  },
};

export class Editor {
  /**
   * @param {object} o {value, onRun(), onChange(v), labels: async () => string[], values: async (name) => string[], placeholder}
   */
  constructor(o) {
    this.o = o;
    this.pre = h('pre', { 'aria-hidden': 'true' });
    this.ta = h('textarea', { spellcheck: false, rows: 1, placeholder: o.placeholder || '', 'aria-label': 'Query', className: 'query-input' });
    this.ta.value = o.value || '';
    this.err = h('div.editor-error');
    this.pop = null;
    this.errorCol = null;
    this.el = h('div.editor-wrap', { style: { position: 'relative', flex: '1', minWidth: '0' } }, h('div.editor', this.pre, this.ta), this.err);
    this.ta.addEventListener('input', () => { this.errorCol = null; this.err.textContent = ''; this.render(); this.o.onChange?.(this.value); this.complete(); });
    this.ta.addEventListener('keydown', e => this.key(e));
    this.ta.addEventListener('click', () => this.render());
    this.ta.addEventListener('keyup', e => { if (e.key.startsWith('Arrow') || e.key === 'Home' || e.key === 'End') this.render(); });
    this.ta.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    this.render();
  }

  get value() { return this.ta.value; }
  set value(v) { this.ta.value = v; this.errorCol = null; this.err.textContent = ''; this.render(); }

  /** Shows a server error; "line 1, col N" positions the marker. */
  showError(message) {
    const p = errorPosition(message);
    this.errorCol = p && p.line === 1 ? p.col - 1 : null;
    this.err.textContent = message;
    this.render();
  }
  clearError() { this.errorCol = null; this.err.textContent = ''; this.render(); }

  render() {
    const q = this.ta.value, pos = this.ta.selectionStart;
    const br = document.activeElement === this.ta ? matchBracket(q, pos) : null;
    let html = '';
    for (const t of tokenize(q)) {
      let cls = t.type === 'ws' || t.type === 'text' || t.type === 'bracket' ? '' : 'tk-' + (t.type === 'label' ? 'label' : t.type);
      if (t.type === 'fn' && AGGREGATIONS.includes(t.text)) cls = 'tk-kw';
      if (t.type === 'bracket' && br && (t.start === br[0] || t.start === br[1])) cls = 'tk-bracket-match';
      if (this.errorCol !== null && this.errorCol >= t.start && this.errorCol < t.end) cls += ' tk-error';
      html += cls ? `<span class="${cls.trim()}">${esc(t.text)}</span>` : esc(t.text);
    }
    if (this.errorCol !== null && this.errorCol >= q.length) html += '<span class="tk-error"> </span>';
    this.pre.innerHTML = html + '\n';
  }

  key(e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || e.shiftKey)) { e.preventDefault(); this.close(); this.run(); return; }
    if (this.pop) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); this.move(e.key === 'ArrowDown' ? 1 : -1); return; }
      if (e.key === 'Enter' || e.key === 'Tab') { e.preventDefault(); this.accept(); return; }
      if (e.key === 'Escape') { e.preventDefault(); this.close(); return; }
    }
    if (e.key === 'Enter') { e.preventDefault(); this.run(); return; }
    if (e.key === ' ' && e.ctrlKey) { e.preventDefault(); this.complete(true); }
  }

  run() { history.add(this.value); this.o.onRun?.(); }

  async complete(force = false) {
    const q = this.ta.value, pos = this.ta.selectionStart;
    const ctx = completionContext(q, pos);
    let items = [];
    const token = (this._token = {});
    try {
      if (ctx.kind === 'label-name') items = (await this.o.labels()).map(l => ({ text: l, hint: 'label' }));
      else if (ctx.kind === 'label-value') {
        const vals = await this.o.values(ctx.label);
        items = vals.map(v => ({ text: v, hint: ctx.label, value: true, ctx }));
      } else if (ctx.kind === 'stage') items = (this.o.stages ?? STAGES).map(([t, d]) => ({ text: t, hint: d }));
      else if (ctx.kind === 'function' && (force || ctx.prefix.length > 0))
        items = (this.o.functions ?? [...RANGE_FUNCS.map(f => [f, 'range function']), ...AGGREGATIONS.map(a => [a, 'aggregation'])]).map(([t, d]) => ({ text: t, hint: d, fn: true }));
    } catch { items = []; }
    if (token !== this._token) return;
    const prefix = (ctx.prefix || '').toLowerCase();
    items = items.filter(i => i.text.toLowerCase().startsWith(prefix) && i.text !== ctx.prefix).slice(0, 100);
    if (!items.length) { this.close(); return; }
    this.show(items, ctx);
  }

  show(items, ctx) {
    this.close();
    this.items = items; this.ctx = ctx; this.sel = 0;
    this.pop = h('div.completion', { role: 'listbox' });
    items.forEach((it, i) => this.pop.append(h('div', { role: 'option', onmousedown: (e) => { e.preventDefault(); this.sel = i; this.accept(); } }, h('span', it.text), h('small', it.hint || ''))));
    const lines = this.ta.value.slice(0, this.ta.selectionStart).split('\n');
    this.pop.style.left = Math.min(8 + lines[lines.length - 1].length * 7.8, this.el.clientWidth - 230) + 'px';
    this.pop.style.top = (lines.length * 20 + 10) + 'px';
    this.el.append(this.pop);
    this.move(0);
  }

  move(d) {
    this.sel = (this.sel + d + this.items.length) % this.items.length;
    [...this.pop.children].forEach((c, i) => c.classList.toggle('sel', i === this.sel));
    this.pop.children[this.sel]?.scrollIntoView({ block: 'nearest' });
  }

  accept() {
    const it = this.items[this.sel], ctx = this.ctx, q = this.ta.value, pos = this.ta.selectionStart;
    let text = it.text, end = pos;
    if (it.value) {
      const v = ctx.regex ? it.text.replace(/[\\^$.|?*+()[\]{}]/g, c => '\\\\' + c) : it.text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
      if (ctx.quoted) { text = v + '"'; if (q[end] === '"') end++; } else text = `"${v}"`;
    } else if (ctx.kind === 'label-name' && q.slice(0, ctx.from).lastIndexOf('{') > q.slice(0, ctx.from).lastIndexOf('}')) text += '=';
    else if (it.fn) text += '(';
    this.ta.value = q.slice(0, ctx.from) + text + q.slice(end);
    const caret = ctx.from + text.length;
    this.ta.setSelectionRange(caret, caret);
    this.close();
    this.render();
    this.o.onChange?.(this.value);
    if (ctx.kind === 'label-name' && text.endsWith('=')) this.complete();
  }

  close() { this.pop?.remove(); this.pop = null; }

  /** The history drop-down: the last 50 queries run, newest first; picking one loads and runs it. */
  toggleHistory() {
    if (this.hist) { this.hist.remove(); this.hist = null; return; }
    const list = history.list();
    this.hist = h('div.history', { role: 'listbox' }, list.length ? list.map(q => h('div', {
      title: q, onmousedown: (e) => { e.preventDefault(); this.hist.remove(); this.hist = null; this.value = q; this.o.onChange?.(q); this.run(); },
    }, q)) : h('div', 'No queries run yet.'));
    this.hist.style.top = '34px';
    this.el.append(this.hist);
    const away = (e) => { if (this.hist && !this.hist.contains(e.target)) { this.hist.remove(); this.hist = null; } document.removeEventListener('mousedown', away, true); };
    setTimeout(() => document.addEventListener('mousedown', away, true));
  }
}
