// Routes /explore, /alerts and /status (history API; the server answers every UI path with index.html).
import { session, setTenant, settings, get } from './api.js';

const routes = {
  explore: () => import('./explore.js'),
  alerts: () => import('./alerts.js'),
  status: () => import('./status.js'),
};
let current = null;

export async function route() {
  const name = location.pathname.replace(/^\/+/, '').split('/')[0] || 'explore';
  const mod = await (routes[name] || routes.explore)();
  document.querySelectorAll('[data-nav]').forEach(a => a.classList.toggle('active', a.dataset.nav === name));
  current?.destroy?.();
  const app = document.getElementById('app');
  app.replaceChildren();
  current = mod.mount(app);
  // First render of the page's frame: the load-time figure the tests read through the Performance API.
  if (!performance.getEntriesByName('sawmill-first-render').length) performance.mark('sawmill-first-render');
}

export function navigate(url) {
  history.pushState(null, '', url);
  route();
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-nav]');
  if (a && !e.ctrlKey && !e.metaKey) { e.preventDefault(); navigate(a.getAttribute('href')); }
});
window.addEventListener('popstate', route);

// The tenant picker appears when the server requires X-Scope-OrgID; a ?tenant= in the URL wins.
const urlTenant = new URLSearchParams(location.search).get('tenant');
if (urlTenant) setTenant(urlTenant);
settings().then(async (s) => {
  if (!s.authEnabled) return;
  const box = document.querySelector('.tenant'), input = document.getElementById('tenant');
  box.hidden = false;
  input.value = session.tenant;
  input.addEventListener('change', () => { setTenant(input.value.trim()); route(); });
  try {
    const metrics = await get('/metrics', {}, { text: true });
    const tenants = new Set([...metrics.matchAll(/tenant="([^"]+)"/g)].map(m => m[1]));
    document.getElementById('tenant-list').replaceChildren(...[...tenants].sort().map(t => Object.assign(document.createElement('option'), { value: t })));
  } catch { /* the list is a convenience */ }
});
route();
