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

// API keys in the console, against the built Roster in Debian's Chromium: an admin creates a key, sees it once,
// uses it over REST, revokes it (and it is refused); a user gets no admin scopes, and an admin revokes their key.

describe.skipIf(!chromiumAvailable && !inCi)('the console: API keys', () => {
  let server: SpawnedServer;
  let browser: Browser;
  let admin: PageWatch;
  let page: Page;
  let data: Seeded;
  let key: string;
  const heading = (name: string, p: Page = page) => p.getByRole('heading', { level: 1, name }).waitFor();
  const keysCard = (p: Page = page) => p.locator('section.card', { has: p.locator('#api-keys-heading') });
  const status = (bearer: string, path = '/auth/me') =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${bearer}` } }).then((r) => r.status);
  const stored = (p: Page = page) =>
    p.evaluate(() => Object.fromEntries(Object.entries(sessionStorage))) as Promise<Record<string, string>>;

  beforeAll(async () => {
    server = await startRoster();
    data = await seed(server.url);
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

  it('broke no CSP rule, logged no error and called nothing but the server', async () => {
    expect(await admin.cspViolations()).toEqual([]);
    expect(admin.errors).toEqual([]);
    expect(admin.foreign).toEqual([]);
  });
});
