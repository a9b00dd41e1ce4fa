import type { SpawnedServer } from '@roster/testing';
import { createRosterClient, isRosterError } from '@roster/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  chromiumAvailable,
  inCi,
  launch,
  openPage,
  PASSWORD,
  screenshot,
  seed,
  seriousViolations,
  signIn,
  startRoster,
  type PageWatch,
  type Seeded,
} from './support';

// The console against the built Roster, in Debian's Chromium: an admin signs in, reads the dashboard, searches
// the users, edits an account into a version conflict, deactivates it (and its owner's next request is refused),
// finds that in the audit log, manages their own account and signs out.

if (!chromiumAvailable && !inCi) console.warn('console browser tests skipped: /usr/bin/chromium is missing.');

describe.skipIf(!chromiumAvailable && !inCi)('the console, as an admin', () => {
  let server: SpawnedServer;
  let browser: Browser;
  let admin: PageWatch;
  let page: Page;
  let data: Seeded;
  const heading = (name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
  const rows = (p: Page = page) => p.locator('main table tbody tr');

  beforeAll(async () => {
    server = await startRoster();
    data = await seed(server.url);
    browser = await launch();
    admin = await openPage(browser);
    page = admin.page;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs against a server on the database this leg targets', () => {
    const listening = server.logs.find((l) => l.msg === 'Roster is listening');
    expect(listening).toMatchObject({ url: server.url, database: server.database.kind });
  });

  it('sends a visitor to sign-in, says a wrong password is wrong, then signs in', async () => {
    await page.goto(`${server.url}/console/admin/users`);
    await page.waitForURL('**/console/sign-in');
    await page.getByLabel('Username or email').fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Incorrect username, email or password.' }).waitFor();

    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // Back where the visitor was going.
    await page.waitForURL('**/console/admin/users');
    await heading('Users');
  });

  it('keeps the access token in memory and the refresh token in sessionStorage, never a cookie', async () => {
    const stored = await page.evaluate(() => ({
      session: Object.keys(sessionStorage),
      local: Object.keys(localStorage),
      cookie: document.cookie,
    }));
    expect(stored).toEqual({ session: ['roster.console.refresh'], local: [], cookie: '' });
    expect(await admin.context.cookies()).toEqual([]);
    // A reload keeps the session (the refresh token buys a new access token).
    await page.reload();
    await heading('Users');
  });

  it('draws the dashboard: counts and a bar per day of sign-ups', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await heading('Dashboard');
    const chart = page.getByTestId('signup-chart');
    await chart.waitFor();
    const stat = (label: string) =>
      page.locator('.stat', { hasText: label }).locator('.stat-value').textContent();
    expect(await stat('Accounts')).toBe(String(data.total));
    expect(await stat('Deactivated')).toBe('3');
    expect(await stat('Admins')).toBe('3');
    const bars = chart.locator('rect.chart-bar');
    expect(await bars.count()).toBe(30);
    // Every account was made today (UTC): the last bar is today's, and it is drawn.
    expect(await bars.last().getAttribute('data-count')).toBe(String(data.total));
    expect(Number(await bars.last().getAttribute('height'))).toBeGreaterThan(50);
    expect(await page.locator('figure.chart figcaption').textContent()).toContain(`${data.total} sign-ups`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'dashboard');
  });

  it('lists users with keyset pages, searches, filters, counts and sorts', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await heading('Users');
    await page.locator('.pager').waitFor();
    expect(await rows().count()).toBe(20);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2 · Showing 21–26').waitFor();
    expect(await rows().count()).toBe(6);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('Page 1 · Showing 1–20').waitFor();

    await page.getByLabel('Count all matches').check();
    await page.getByText(`${data.total} accounts match`).waitFor();
    await page.getByLabel('Role').selectOption('admin');
    await page.getByText('3 accounts match').waitFor();
    await page.getByLabel('Role').selectOption('');
    await page.getByLabel('Status').selectOption('inactive');
    await page.getByText('3 accounts match').waitFor();
    await page.getByLabel('Status').selectOption('');

    await page.getByRole('button', { name: 'Username' }).click();
    await page.waitForURL(/sort=username&order=asc/);
    await page.locator('th[aria-sort="ascending"]', { hasText: 'Username' }).waitFor();
    await page.getByText('Page 1 · Showing 1–20 of 26').waitFor();
    expect(await rows().first().locator('th').textContent()).toBe('grace');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'users');

    await page.getByLabel('Search', { exact: true }).fill('Hopper');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('1 account matches').waitFor();
    expect(await rows().count()).toBe(1);
    expect(await rows().first().textContent()).toContain('grace@example.com');
  });

  it('edits an account, and says so when someone else changed it first', async () => {
    await page.getByRole('link', { name: 'grace', exact: true }).click();
    await page.waitForURL(`**/console/admin/users/${data.grace.id}`);
    await heading('grace');
    await page.getByLabel('Full name').fill('Grace Brewster Hopper');
    // Another admin saves first: the version this page read is now stale.
    await data.root.admin.updateUser.mutate({ id: data.grace.id, bio: 'Changed elsewhere' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    const conflict = page.locator('[role="alert"][data-code="VERSION_CONFLICT"]');
    await conflict.waitFor();
    expect(await conflict.textContent()).toContain('Someone else changed this account after you opened it');
    await screenshot(page, 'user-conflict');

    await conflict.getByRole('button', { name: 'Reload the account' }).click();
    await expect.poll(() => page.getByLabel('Bio').inputValue()).toBe('Changed elsewhere');
    await page.getByLabel('Full name').fill('Grace Brewster Hopper');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved.').waitFor();
    expect((await data.root.admin.getUser.query({ id: data.grace.id })).full_name).toBe(
      'Grace Brewster Hopper',
    );
  });

  it('shows a validation error under its field', async () => {
    await page.getByLabel('Username').fill('x');
    await page.getByRole('button', { name: 'Save changes' }).click();
    const error = page.locator('#user-username-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/3/);
    expect(await page.getByLabel('Username').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Username').getAttribute('aria-describedby')).toContain(
      'user-username-error',
    );
    await page.getByLabel('Username').fill('grace');
  });

  it("deactivates the account: its owner's next request is refused", async () => {
    const owner = await openPage(browser);
    await signIn(owner.page, server.url, 'grace', PASSWORD);
    await owner.page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    const ownerClient = createRosterClient({ url: server.url });
    await ownerClient.login({ username: 'grace', password: PASSWORD });

    await page.getByRole('button', { name: 'Deactivate account' }).click();
    await page.getByRole('button', { name: 'Yes, deactivate grace' }).click();
    await page.getByText('grace is deactivated: their sessions have ended.').waitFor();
    await page.locator('.summary').getByText('Deactivated').waitFor();

    // The owner's console: its next call is refused, and it goes back to sign-in saying why.
    await owner.page.getByRole('button', { name: 'Refresh list' }).click();
    await owner.page.waitForURL('**/console/sign-in');
    await owner.page.getByText('Your session has ended. Sign in again to continue.').waitFor();
    expect(await owner.page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    await owner.page.getByLabel('Username or email').fill('grace');
    await owner.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await owner.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await owner.page.getByText('This account has been deactivated.', { exact: false }).waitFor();
    await screenshot(owner.page, 'deactivated-sign-in');
    // And through the SDK: the token it held is refused.
    const refused = await ownerClient.auth.me.query().catch((e: unknown) => e);
    expect(isRosterError(refused) && refused.status).toBe(401);
    await owner.context.close();
  });

  it("finds the deactivation in the account's trail and in the audit log", async () => {
    await page
      .locator('section', { hasText: 'Audit trail' })
      .locator('tr[data-action="user.deactivated"]')
      .waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await heading('Audit log');
    await page.getByLabel('Event', { exact: true }).fill('user.deactivated');
    await page.getByLabel('About account id').fill(String(data.grace.id));
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=user.deactivated/);
    await page.locator('tr[data-action="user.deactivated"]').first().waitFor();
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().textContent()).toContain(`#${data.grace.id}`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'audit');
  });

  it('manages its own account: profile, password errors, sessions with this device and revoke', async () => {
    const other = createRosterClient({ url: server.url });
    await other.login({ username: ADMIN.username, password: ADMIN.password });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await heading('Your account');
    await page.getByLabel('Full name').fill('Root Admin');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();
    expect(await page.getByText('Signed in as').textContent()).toContain(ADMIN.username);

    await page.getByLabel('Current password', { exact: true }).last().fill('wrong password');
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#new_password-error', { hasText: 'Use at least 8 characters.' }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill('another horse battery');
    await page.getByLabel('New password again').fill('another horse battery');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page
      .locator('#current_password-error', { hasText: 'Your current password is not right.' })
      .waitFor();

    const sessions = page.getByRole('region', { name: 'Your sessions' });
    await sessions.getByText('This device').waitFor();
    const before = await sessions.locator('tbody tr').count();
    expect(before).toBeGreaterThanOrEqual(3); // this console, the seeding client, `other`
    await sessions
      .getByRole('button', { name: /^Revoke/ })
      .first()
      .click();
    await expect.poll(() => sessions.locator('tbody tr').count()).toBe(before - 1);
    await sessions.getByText('This device').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'account');
  });

  it('signs out: both tokens are gone, and the refresh token no longer works', async () => {
    const refresh = await page.evaluate(() => sessionStorage.getItem('roster.console.refresh'));
    expect(refresh).toBeTruthy();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL('**/console/sign-in');
    await page.getByText('You have signed out.').waitFor();
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Roster' }).waitFor();
    const res = await fetch(`${server.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: refresh }),
    });
    expect(res.status).toBe(401);
  });

  it('broke no CSP rule, logged no error and called nothing but the server', async () => {
    expect(await admin.cspViolations()).toEqual([]);
    expect(admin.errors).toEqual([]);
    expect(admin.foreign).toEqual([]);
  });
});
