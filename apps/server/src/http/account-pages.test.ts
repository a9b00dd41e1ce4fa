import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, register } from '../test/accounts.js';
import { http, type TestServer } from '../test/harness.js';
import { linkOf, startInbox, startMailingServer, type Inbox } from '../test/smtp.js';

// The pages the emails link to, without a browser: what they are served as (HTML, their script, a CSP that lets
// that script run and call the API, nothing else), and their script run against a stand-in DOM whose fetch goes
// to the real server, with a token from a real mail.

let inbox: Inbox;
let server: TestServer;

beforeAll(async () => {
  inbox = await startInbox();
  server = await startMailingServer(inbox);
});
afterAll(async () => {
  await server?.close();
  await inbox?.close();
});

/** The CSP directives of a response, by name. */
function csp(res: Response): Map<string, string[]> {
  const header = res.headers.get('content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values]),
  );
}

describe.each(['/reset-password', '/verify-email'])('GET %s', (path) => {
  it('is an HTML page that loads /account/pages.js, under a CSP that lets only same-origin script run', async () => {
    const res = await fetch(`${server.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const policy = csp(res);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<script src="/account/pages.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/account/pages.css">');
    // No inline script: the CSP would block it.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect((await fetch(`${server.url}${path}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('is only a page: POST is answered 405, Allow: GET', async () => {
    const res = await http(server.url, 'POST', path, { json: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});

it('serves the script and the stylesheet with their types; the API keeps its strict CSP', async () => {
  const js = await fetch(`${server.url}/account/pages.js`);
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(await js.text()).toContain('/auth/password/reset');
  const css = await fetch(`${server.url}/account/pages.css`);
  expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
  const api = await fetch(`${server.url}/health`);
  expect(csp(api).get('default-src')).toEqual(["'none'"]);
  expect(csp(api).has('script-src')).toBe(false);
});

interface FakeElement {
  textContent: string;
  removed: boolean;
  remove(): void;
  listeners: Record<string, (event: { preventDefault(): void }) => void>;
  addEventListener(type: string, fn: (event: { preventDefault(): void }) => void): void;
  elements: { new_password: { value: string } };
}

const element = (): FakeElement => ({
  textContent: '',
  removed: false,
  remove() {
    this.removed = true;
  },
  listeners: {},
  addEventListener(type, fn) {
    this.listeners[type] = fn;
  },
  elements: { new_password: { value: '' } },
});

/** Runs pages.js as a browser would on `link`, with the ids the page has; fetch goes to the server. */
async function runPage(link: URL, ids: string[]) {
  const script = await (await fetch(`${server.url}/account/pages.js`)).text();
  const elements = Object.fromEntries(ids.map((id) => [id, element()]));
  const replaced: string[] = [];
  const requests: { path: string; body: unknown }[] = [];
  runInNewContext(script, {
    location: { hash: link.hash, pathname: link.pathname },
    history: { replaceState: (_s: unknown, _t: string, url: string) => replaced.push(url) },
    document: { getElementById: (id: string) => elements[id] ?? null },
    URLSearchParams,
    fetch: (path: string, init: RequestInit) => {
      requests.push({ path, body: JSON.parse(String(init.body)) });
      return fetch(`${server.url}${path}`, init);
    },
  });
  const status = elements.status as FakeElement;
  const settled = async () => {
    for (let i = 0; i < 200 && !status.textContent; i++) await new Promise((r) => setTimeout(r, 10));
    return status.textContent;
  };
  return { elements, replaced, requests, status, settled };
}

it('the reset page: the token comes from the fragment, which is wiped; submitting sets the password', async () => {
  const fields = newAccount('page');
  await register(server, fields);
  expect(
    (await http(server.url, 'POST', '/auth/password/forgot', { json: { email: fields.email } })).status,
  ).toBe(202);
  const { url, token } = linkOf(await inbox.waitFor(fields.email));
  const page = await runPage(url, ['reset', 'status']);
  expect(page.replaced).toEqual(['/reset-password']);
  const form = page.elements.reset as FakeElement;
  form.elements.new_password.value = 'chosen on the page';
  let prevented = false;
  form.listeners.submit?.({ preventDefault: () => (prevented = true) });
  expect(prevented).toBe(true);
  expect(await page.settled()).toBe('Your password is set. You can log in with it now.');
  expect(form.removed).toBe(true);
  expect(page.requests).toEqual([
    { path: '/auth/password/reset', body: { token, new_password: 'chosen on the page' } },
  ]);
  const login = await http(server.url, 'POST', '/auth/login', {
    form: { username: fields.email, password: 'chosen on the page' },
  });
  expect(login.status).toBe(200);

  // The same link again: the page shows the server's refusal.
  const again = await runPage(url, ['reset', 'status']);
  (again.elements.reset as FakeElement).elements.new_password.value = 'another one entirely';
  again.elements.reset?.listeners.submit?.({ preventDefault: () => undefined });
  expect(await again.settled()).toBe('Invalid or expired token');
  expect(again.elements.reset?.removed).toBe(false);
});

it('the verify page confirms the address on load', async () => {
  const fields = newAccount('vpage');
  await register(server, fields);
  const login = await http<{ access_token: string }>(server.url, 'POST', '/auth/login', {
    form: { username: fields.email, password: fields.password },
  });
  const token = login.body.access_token;
  expect((await http(server.url, 'POST', '/auth/verify/request', { token })).status).toBe(202);
  const { url } = linkOf(await inbox.waitFor(fields.email));
  const page = await runPage(url, ['verify', 'status']);
  expect(page.replaced).toEqual(['/verify-email']);
  expect(await page.settled()).toBe('Your email address is confirmed.');
  expect(page.elements.verify?.removed).toBe(true);
  const me = await http<{ is_verified: boolean }>(server.url, 'GET', '/auth/me', { token });
  expect(me.body.is_verified).toBe(true);
});
