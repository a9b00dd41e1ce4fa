import type { SpawnedServer } from '@roster/testing';
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

// API keys and impersonation in the console, against the built Roster in Debian's Chromium: an admin creates a
// key, sees it once, uses it over REST, revokes it (and it is refused); a user gets no admin scopes, and an admin
// revokes their key; then the admin acts as grace — banner, her profile, nothing forbidden offered — stops, and
// finds it in the audit trail; and an impersonation that Roster ends, or whose time runs out, returns the console
// to the admin's own session.

const REASON = 'Ticket 4711: wrong display name';
const IMPERSONATION_KEY = 'roster.console.impersonation';

describe.skipIf(!chromiumAvailable && !inCi)('the console: API keys and impersonation', () => {
  let server: SpawnedServer;
  let browser: Browser;
  let admin: PageWatch;
  let page: Page;
  let data: Seeded;
  let rootId: number;
  let key: string;
  let impersonationToken: string;
  const heading = (name: string, p: Page = page) => p.getByRole('heading', { level: 1, name }).waitFor();
  const keysCard = (p: Page = page) => p.locator('section.card', { has: p.locator('#api-keys-heading') });
  const banner = () => page.getByRole('region', { name: 'Impersonation in progress' });
  const status = (bearer: string, path = '/auth/me') =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } }).then((r) => r.status);
  const stored = (p: Page = page) =>
    p.evaluate(() => Object.fromEntries(Object.entries(sessionStorage))) as Promise<Record<string, string>>;
  const idOf = async (username: string) =>
    (await data.root.admin.listUsers.query({ q: username, limit: 1 })).items[0]?.id as number;

  /** The admin's console, on grace's page, starts acting as her; `ready` runs once the page is loaded. */
  async function impersonateGrace(reason = REASON, ready?: () => Promise<void>): Promise<void> {
    await page.goto(`${server.url}/console/admin/users/${data.grace.id}`);
    await heading('grace');
    await ready?.();
    await page.getByLabel('Reason').fill(reason);
    await page.getByRole('button', { name: 'Impersonate grace' }).click();
    await page.waitForURL('**/console/account');
    await banner().waitFor();
  }

  beforeAll(async () => {
    server = await startRoster();
    data = await seed(server.url);
    rootId = (await data.root.auth.me.query()).id;
    browser = await launch();
    admin = await openPage(browser);
    page = admin.page;
    await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signIn(page, server.url, ADMIN.username, ADMIN.password);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates an API key and shows it once, with a copy button; the key works over REST', async () => {
    await page.goto(`${server.url}/console/account`);
    await heading('Your account');
    const card = keysCard();
    await card.getByText('You have no API keys.').waitFor();

    // The form checks itself before sending anything.
    await card.getByRole('button', { name: 'Create key' }).click();
    await card.locator('#key-name-error', { hasText: 'Give the key a name' }).waitFor();
    await card.locator('#key-scopes-error', { hasText: 'Choose at least one scope.' }).waitFor();
    // An admin is offered the admin scopes.
    expect(await card.getByLabel('admin:read').count()).toBe(1);
    expect(await card.getByLabel('admin:write').count()).toBe(1);

    await card.getByLabel('Name').fill('nightly export');
    await card.getByLabel('profile:read').check();
    await card.getByLabel('users:read').check();
    await card.getByLabel('Expires after (days)').fill('30');
    await card.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByTestId('new-api-key');
    await shown.waitFor();
    expect(await shown.textContent()).toContain("Copy it now: you won't see it again.");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('new-key-heading');
    key = await shown.getByLabel('API key').inputValue();
    expect(key).toMatch(/^rst_[\w-]{43}$/);
    await shown.getByRole('button', { name: 'Copy key' }).click();
    await shown.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);

    const row = card.getByRole('region', { name: 'Your API keys' }).locator('tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    expect(key.startsWith((await row.getAttribute('data-key-prefix')) as string)).toBe(true);
    const cells = (await row.locator('th, td').allTextContents()).map((t) => t.trim());
    expect(cells[0]).toBe('nightly export');
    expect(cells[2]).toBe('profile:readusers:read');
    expect(cells[4]).toBe('never');
    expect(cells[5]).toContain('(in 30 days)');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'api-key-created');

    // The key acts for root within its scopes, over REST; keys cannot manage keys.
    const me = await fetch(`${server.url}/auth/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe(ADMIN.username);
    expect(await status(key, '/auth/api-keys')).toBe(403);

    // Once hidden it is gone: not in the page, not after a reload, not in any storage.
    await shown.getByRole('button', { name: 'Done: hide the key' }).click();
    await expect.poll(() => shown.count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    await page.reload();
    await heading('Your account');
    await keysCard().getByRole('region', { name: 'Your API keys' }).waitFor();
    expect(await page.content()).not.toContain(key);
    expect(JSON.stringify(await stored())).not.toContain(key);
    // It was used: the list says so.
    expect(await keysCard().locator('tbody tr td').nth(3).textContent()).toBe('just now');
  });

  it('revokes the key after a confirmation; the key is then refused with 401', async () => {
    const card = keysCard();
    await card.getByRole('button', { name: /^Revoke the key “nightly export”/ }).click();
    const confirm = card.getByRole('group', { name: /Revoke the key “nightly export”/ });
    await confirm.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('confirm-revoke-key');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'api-key-revoke-confirm');
    // Cancel leaves it alone and goes back to its button.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Revoke/);
    expect(await status(key)).toBe(200);

    await card.getByRole('button', { name: /^Revoke the key “nightly export”/ }).click();
    await confirm.getByRole('button', { name: 'Yes, revoke “nightly export”' }).click();
    await card.getByRole('status').filter({ hasText: 'Revoked the key “nightly export”' }).waitFor();
    await card.getByText('You have no API keys.').waitFor();
    expect(await status(key)).toBe(401);
  });

  it('offers a user no admin scopes; an admin revokes their key from their page', async () => {
    const owner = await openPage(browser);
    await signIn(owner.page, server.url, 'grace', PASSWORD);
    await heading('Your account', owner.page);
    const card = keysCard(owner.page);
    await card.getByText('You have no API keys.').waitFor();
    expect(await card.getByLabel('admin:read').count()).toBe(0);
    expect(await card.getByLabel('admin:write').count()).toBe(0);
    await card.getByLabel('Name').fill('grace script');
    await card.getByLabel('profile:read').check();
    await card.getByRole('button', { name: 'Create key' }).click();
    const graceKey = await owner.page.getByTestId('new-api-key').getByLabel('API key').inputValue();
    expect(await status(graceKey)).toBe(200);
    expect(await owner.cspViolations()).toEqual([]);
    expect(owner.errors).toEqual([]);
    await owner.context.close();

    await page.goto(`${server.url}/console/admin/users/${data.grace.id}`);
    await heading('grace');
    const keys = page.locator('section.card', { has: page.locator('#user-api-keys-heading') });
    const row = keys.getByRole('region', { name: 'API keys of grace' }).locator('tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('th').textContent()).toBe('grace script');
    expect(await seriousViolations(page)).toEqual([]);
    await keys.getByRole('button', { name: /^Revoke the key “grace script”/ }).click();
    await keys.getByRole('button', { name: 'Yes, revoke “grace script”' }).click();
    await keys.getByText('This account has no API keys.').waitFor();
    expect(await status(graceKey)).toBe(401);
    // The account's audit trail is read again, and has it.
    await page
      .locator('section', { hasText: 'Audit trail' })
      .locator('tr[data-action="admin.api_key_revoked"]')
      .waitFor();
  });

  it('offers no impersonation of oneself or of an admin, and shows the API refusing a stale page', async () => {
    await page.goto(`${server.url}/console/admin/users/${rootId}`);
    await heading(ADMIN.username);
    expect(await page.getByTestId('impersonation-unavailable').textContent()).toContain('yourself');
    expect(await page.getByRole('button', { name: /^Impersonate/ }).count()).toBe(0);

    const otherAdmin = await idOf('member03');
    await page.goto(`${server.url}/console/admin/users/${otherAdmin}`);
    await heading('member03');
    expect(await page.getByTestId('impersonation-unavailable').textContent()).toBe(
      'Admins cannot be impersonated.',
    );
    expect(await page.getByRole('button', { name: /^Impersonate/ }).count()).toBe(0);

    // member01 is a user when the page is read; another admin promotes them before the form is sent.
    const member = await idOf('member01');
    await page.goto(`${server.url}/console/admin/users/${member}`);
    await heading('member01');
    await page.getByRole('button', { name: 'Impersonate member01' }).click();
    await page.locator('#impersonate-reason-error', { hasText: 'at least 3 characters' }).waitFor();
    expect(await page.getByLabel('Reason').getAttribute('aria-invalid')).toBe('true');
    await data.root.admin.updateUser.mutate({ id: member, role: 'admin' });
    await page.getByLabel('Reason').fill('Ticket 4710');
    await page.getByRole('button', { name: 'Impersonate member01' }).click();
    const refused = page.locator('[role="alert"][data-code="CANNOT_IMPERSONATE_ADMIN"]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Admins cannot be impersonated');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'impersonation-refused');
    expect(page.url()).toContain(`/console/admin/users/${member}`);
    await data.root.admin.updateUser.mutate({ id: member, role: 'user' });
  });

  it('acts as grace: a banner, her profile, and nothing she alone may do is offered', async () => {
    // (A page load spends the refresh token for a new pair: read it once the page is loaded.)
    let before: Record<string, string> = {};
    await impersonateGrace(REASON, async () => {
      before = await stored();
    });

    const text = await banner().locator('p').textContent();
    expect(text).toMatch(new RegExp(`^You are acting as grace for reason “${REASON}” — 1[45] minutes left$`));
    expect(
      await page.evaluate(() => document.activeElement?.closest('section')?.getAttribute('aria-label')),
    ).toBe('Impersonation in progress');
    expect(await banner().getByRole('button', { name: 'Stop acting as grace' }).isVisible()).toBe(true);
    await page.locator('.whoami').getByText('Acting as grace (you are root)').waitFor();
    expect(await page.getByLabel('Username').inputValue()).toBe('grace');
    await page.getByText('Your address is grace@example.com').waitFor();
    const own = page.getByRole('region', { name: 'Your sessions' });
    // This device is the impersonation, and the list says whose.
    await own
      .locator('tr', { hasText: 'This device' })
      .getByText(`Impersonation by ${ADMIN.username}`)
      .waitFor();

    // Nothing the API forbids under an impersonation token is offered.
    for (const name of [
      'Change password',
      'Change email',
      'Create key',
      'Sign out on every device',
      'Sign out',
    ]) {
      expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    }
    expect(await page.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    expect(await page.getByLabel('New email').count()).toBe(0);
    expect(await page.locator('#api-keys-heading').count()).toBe(0);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Account']);

    // The admin's own tokens were left alone; the impersonation is kept beside them.
    const now = await stored();
    expect(now['roster.console.refresh']).toBe(before['roster.console.refresh']);
    impersonationToken = (JSON.parse(now[IMPERSONATION_KEY] as string) as { token: string }).token;
    const me = await fetch(`${server.url}/auth/me`, {
      headers: { authorization: `Bearer ${impersonationToken}` },
    });
    expect(((await me.json()) as { impersonator?: { id: number } }).impersonator?.id).toBe(rootId);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'impersonating');
  });

  it('edits her profile as her, and shows a 403 FORBIDDEN_WHILE_IMPERSONATING where it is hit', async () => {
    await page.getByLabel('Full name').fill('Grace M. Hopper');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();
    expect((await data.root.admin.getUser.query({ id: data.grace.id })).full_name).toBe('Grace M. Hopper');

    // A request the console never makes under impersonation (a new email with the profile): the real API's
    // refusal is shown in the form that sent it.
    await page.route('**/trpc/users.patchMe**', async (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, Record<string, unknown>>;
      (body['0'] as Record<string, unknown>).email = 'grace@elsewhere.example';
      await route.continue({ postData: JSON.stringify(body) });
    });
    await page.getByLabel('Full name').fill('Grace Hopper');
    await page.getByRole('button', { name: 'Save profile' }).click();
    const refused = page
      .locator('section', { has: page.locator('#profile-heading') })
      .locator('[role="alert"][data-code="FORBIDDEN_WHILE_IMPERSONATING"]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Not while you act as this account');
    await page.unroute('**/trpc/users.patchMe**');
    expect(await seriousViolations(page)).toEqual([]);
    expect((await data.root.admin.getUser.query({ id: data.grace.id })).email).toBe('grace@example.com');

    // A reload resumes the impersonation; the admin pages are closed while it lasts.
    await page.reload();
    await banner().waitFor();
    await page.goto(`${server.url}/console/admin/users`);
    await heading('Admins only');
    await page.getByText('you are acting as grace, who is not one').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("stops: back to the admin's own session and grace's page, where the audit trail shows it", async () => {
    await banner().getByRole('button', { name: 'Stop acting as grace' }).click();
    await page.waitForURL(`**/console/admin/users/${data.grace.id}`);
    await heading('grace');
    await page.getByRole('status').filter({ hasText: 'You stopped acting as grace.' }).waitFor();
    expect(await banner().count()).toBe(0);
    expect(await page.getByText('Signed in as').textContent()).toContain(ADMIN.username);
    expect(Object.keys(await stored())).toEqual(['roster.console.refresh']);
    // Stop logged the impersonation token out.
    expect(await status(impersonationToken)).toBe(401);

    const trail = page.locator('section', { hasText: 'Audit trail' });
    const started = trail.locator('tr[data-action="admin.impersonation_started"]');
    await started.waitFor();
    expect(await started.textContent()).toContain(REASON);
    expect(await started.textContent()).toContain(`#${rootId}`);
    await trail.locator('tr[data-action="impersonation.write"]').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'impersonation-stopped');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await heading('Audit log');
    await page.getByLabel('Event', { exact: true }).fill('admin.impersonation_started');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=admin.impersonation_started/);
    const rows = page.locator('main table tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(`#${data.grace.id}`);

    // An impersonation running elsewhere is named in the account's sessions, on the admin's view of them.
    const elsewhere = await data.root.admin.impersonate.mutate({ id: data.grace.id, reason: 'Ticket 4713' });
    await page.goto(`${server.url}/console/admin/users/${data.grace.id}`);
    await heading('grace');
    const sessions = page.getByRole('region', { name: "The account's sessions" });
    await sessions.getByText(`Impersonation by ${ADMIN.username}`).waitFor();
    // With the reason the admin gave.
    await sessions.getByText('for “Ticket 4713”').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const logout = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${elsewhere.access_token}` },
    });
    expect(logout.status).toBe(204);
  });

  it('returns to the admin when Roster ends the impersonation', async () => {
    await impersonateGrace('Ticket 4712: sessions');
    await data.root.admin.revokeUserSessions.mutate({ id: data.grace.id });
    await page.getByRole('button', { name: 'Refresh list' }).click();
    await page.waitForURL(`**/console/admin/users/${data.grace.id}`);
    await page.getByText('Acting as grace has ended: Roster no longer accepts its token.').waitFor();
    expect(await page.getByText('Signed in as').textContent()).toContain(ADMIN.username);
    expect(Object.keys(await stored())).toEqual(['roster.console.refresh']);
  });

  it('counts down, and returns to the admin by itself when the time is up', async () => {
    await impersonateGrace('Ticket 4713: countdown');
    const token = (JSON.parse((await stored())[IMPERSONATION_KEY] as string) as { token: string }).token;
    // The same impersonation with 4 seconds left, as a reload finds it.
    await page.evaluate((name) => {
      const kept = JSON.parse(sessionStorage.getItem(name) as string) as { expiresAt: number };
      sessionStorage.setItem(name, JSON.stringify({ ...kept, expiresAt: Date.now() + 4_000 }));
    }, IMPERSONATION_KEY);
    await page.reload();
    const left = banner().locator('.impersonation-left');
    await left.waitFor();
    expect(await left.textContent()).toMatch(/^[1-4] seconds? left$/);
    const first = await left.textContent();
    await expect.poll(() => left.textContent(), { timeout: 3_000 }).not.toBe(first);

    await page.waitForURL(`**/console/admin/users/${data.grace.id}`, { timeout: 10_000 });
    await page.getByText('Your time acting as grace ran out: you are back in your own account.').waitFor();
    expect(await banner().count()).toBe(0);
    expect(Object.keys(await stored())).toEqual(['roster.console.refresh']);
    expect(await status(token)).toBe(401);
  });

  it('broke no CSP rule, logged no error and called nothing but the server', async () => {
    expect(await admin.cspViolations()).toEqual([]);
    expect(admin.errors).toEqual([]);
    expect(admin.foreign).toEqual([]);
  });
});
