import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { createRosterClient, type RosterClient } from '@roster/sdk';
import { spawnServer, type SpawnedServer } from '@roster/testing';

// What the browser tests share: the built server (which serves the built console), Debian's Chromium, axe-core
// run inside the page, and a record of everything the page complained about.

export const CHROMIUM = '/usr/bin/chromium';
export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));
export const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
export const ADMIN = { email: 'root@example.com', username: 'root', password: 'admin password 123' };
export const PASSWORD = 'correct horse battery';

const require = createRequire(import.meta.url);
/** The built server's entry, through this package's devDependency on @roster/server. */
export const SERVER_MAIN = join(dirname(require.resolve('@roster/server')), 'main.js');

export const chromiumAvailable = existsSync(CHROMIUM);
export const inCi = process.env.CI === 'true';

/** The built Roster with a bootstrap admin, on a database of its own (TEST_DB); `env` adds to its settings. */
export function startRoster(env: Record<string, string> = {}): Promise<SpawnedServer> {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(
      `${DIST}index.html is missing: build the console first (turbo builds it before these tests)`,
    );
  }
  return spawnServer({
    script: SERVER_MAIN,
    startTimeoutMs: 60_000,
    env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, ADMIN_USERNAME: ADMIN.username, ...env },
  });
}

export async function launch(): Promise<Browser> {
  if (!chromiumAvailable)
    throw new Error(`${CHROMIUM} is missing and CI=true: install Debian's chromium package`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
}

/** What a page reported: CSP violations, errors, and requests to anywhere but the server. */
export interface PageWatch {
  page: Page;
  context: BrowserContext;
  cspViolations(): Promise<string[]>;
  errors: string[];
  foreign: string[];
}

/** A fresh browser context (its own storage) with one page, watched. */
export async function openPage(browser: Browser, width = 1280, height = 900): Promise<PageWatch> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.addInitScript({
    content: `window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('console', (msg) => {
    // A 401 or 429 the test provokes is logged by Chromium as a failed resource: that is the API answering.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('request', (req) => {
    const { protocol, hostname } = new URL(req.url());
    // The server's own host: 127.0.0.1, or localhost where passkeys need a name (browsers refuse an IP as RP id).
    const own = hostname === '127.0.0.1' || hostname === 'localhost';
    if (!own && protocol !== 'data:' && protocol !== 'blob:') foreign.push(req.url());
  });
  return {
    page,
    context,
    errors,
    foreign,
    cspViolations: async () => (await page.evaluate('window.cspViolations ?? []')) as string[],
  };
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core run inside the page (injected through the DevTools protocol, which the page's CSP does not govern):
 * the serious and critical violations, as "rule: help (selectors)".
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    `window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`,
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}

/** Saves a screenshot under apps/console/test-results/ (kept by CI as an artifact). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  expect(existsSync(path)).toBe(true);
  return path;
}

/** A fresh browser context with a CDP virtual authenticator (a platform passkey store with user verification). */
export async function withAuthenticator(watch: PageWatch): Promise<{ credentials(): Promise<unknown[]> }> {
  const cdp = await watch.context.newCDPSession(watch.page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}

/** Signs in through the sign-in page and waits for the page it leads to. */
export async function signIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/console/sign-in`);
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));
}

export interface Seeded {
  root: RosterClient;
  grace: { id: number; username: string; email: string };
  /** Every account, root included. */
  total: number;
}

/**
 * The accounts the tests look at, made through the SDK as the bootstrap admin: 24 members (two admins, three
 * deactivated) and grace, who gets deactivated. With root that is 26: two pages of 20.
 */
export async function seed(url: string): Promise<Seeded> {
  const root = createRosterClient({ url });
  await root.login({ username: ADMIN.username, password: ADMIN.password });
  for (let i = 1; i <= 24; i += 1) {
    const n = String(i).padStart(2, '0');
    await root.admin.createUser.mutate({
      email: `member${n}@example.com`,
      username: `member${n}`,
      password: PASSWORD,
      full_name: `Member ${n}`,
      role: i === 3 || i === 4 ? 'admin' : 'user',
      is_active: !(i >= 5 && i <= 7),
    });
  }
  const grace = await root.admin.createUser.mutate({
    email: 'grace@example.com',
    username: 'grace',
    password: PASSWORD,
    full_name: 'Grace Hopper',
  });
  return { root, grace: { id: grace.id, username: grace.username, email: grace.email }, total: 26 };
}

/** How many pixels the page is wider than its viewport (0 when it fits). */
export function overflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/**
 * Checks the state a page is in at 1280 and at 390 px: no serious or critical axe violation, nothing wider than
 * the screen; a screenshot of each. Leaves the page at 1280 px.
 */
export async function checkState(page: Page, name: string): Promise<void> {
  for (const [device, width, height] of [
    ['desktop', 1280, 900],
    ['phone', 390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    expect(await seriousViolations(page), `${name} at ${width} px`).toEqual([]);
    expect(await overflow(page), `${name} is wider than ${width} px`).toBe(0);
    await screenshot(page, `${device}-${name}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
