import type { SpawnedServer } from '@roster/testing';
import { createRosterClient } from '@roster/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  checkState,
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
  type Seeded,
} from './support';

// Every page of the console at a desktop width (1280 px) and a phone's (390 px): axe-core finds no serious or
// critical violation, nothing is wider than the screen, and the CSP is never broken. The same for the states the
// pages go through: a new API key shown once, a revocation to confirm, a refused impersonation, the banner while
// an admin acts as an account, and the page it returns to. Plus the 429 answer.

const PAGES = [
  ['dashboard', '/admin', 'Dashboard'],
  ['users', '/admin/users?total=1', 'Users'],
  ['user', '/admin/users/:grace', 'grace'],
  ['audit', '/admin/audit', 'Audit log'],
  ['webhooks', '/admin/webhooks', 'Webhooks'],
  ['account', '/account', 'Your account'],
  ['not-found', '/no/such/page', 'Page not found'],
] as const;

describe.skipIf(!chromiumAvailable && !inCi)('every console page', () => {
  let server: SpawnedServer;
  let browser: Browser;
  let data: Seeded;

  beforeAll(async () => {
    server = await startRoster();
    data = await seed(server.url);
    // grace has a key, so her page lists one.
    const grace = createRosterClient({ url: server.url });
    await grace.login({ username: data.grace.username, password: PASSWORD });
    await grace.apiKeys.create({ name: 'grace script', scopes: ['profile:read'], expires_in_days: 7 });
    await grace.logout();
    browser = await launch();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  describe.each([
    ['desktop', 1280, 900],
    ['phone', 390, 844],
  ] as const)('at %s width (%i px)', (device, width, height) => {
    it('the sign-in page passes axe and fits the screen', async () => {
      const watch = await openPage(browser, width, height);
      await watch.page.goto(`${server.url}/console/sign-in`);
      await watch.page.getByRole('heading', { level: 1, name: 'Sign in to Roster' }).waitFor();
      expect(await seriousViolations(watch.page)).toEqual([]);
      expect(await overflow(watch.page)).toBe(0);
      await screenshot(watch.page, `${device}-sign-in`);
      expect(await watch.cspViolations()).toEqual([]);
      expect(watch.errors).toEqual([]);
      await watch.context.close();
    });

    it('every signed-in page passes axe, fits the screen and keeps to the CSP', async () => {
      const watch = await openPage(browser, width, height);
      const { page } = watch;
      await signIn(page, server.url, ADMIN.username, ADMIN.password);
      const failures: Record<string, string[]> = {};
      for (const [name, path, title] of PAGES) {
        await page.goto(`${server.url}/console${path.replace(':grace', String(data.grace.id))}`);
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
        // Wait for what the page loads (no loading message left).
        await expectNoLoading(page);
        const violations = await seriousViolations(page);
        if (violations.length > 0) failures[name] = violations;
        expect(await overflow(page), `${name} is wider than the screen`).toBe(0);
        await screenshot(page, `${device}-${name}`);
      }
      expect(failures).toEqual({});
      // Keyboard: the skip link is the first stop and lands on the main region.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
      expect(await watch.cspViolations()).toEqual([]);
      expect(watch.errors).toEqual([]);
      expect(watch.foreign).toEqual([]);
      await watch.context.close();
    });

    it('every API-key and impersonation state passes axe, fits the screen and keeps to the CSP', async () => {
      const watch = await openPage(browser, width, height);
      const { page } = watch;
      await signIn(page, server.url, ADMIN.username, ADMIN.password);
      const failures: Record<string, string[]> = {};
      const check = async (name: string) => {
        await expectNoLoading(page);
        const violations = await seriousViolations(page);
        if (violations.length > 0) failures[name] = violations;
        expect(await overflow(page), `${name} is wider than the screen`).toBe(0);
        await screenshot(page, `${device}-${name}`);
      };

      // A new key, shown once; then a revocation waiting for its confirmation.
      await page.goto(`${server.url}/console/account`);
      await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.locator('#key-scopes-error').waitFor();
      await check('account-key-errors');
      await page.getByLabel('Name', { exact: true }).fill(`${device} export`);
      await page.getByLabel('users:read').check();
      await page.getByRole('button', { name: 'Create key' }).click();
      await page.getByTestId('new-api-key').waitFor();
      await check('account-new-key');
      await page.getByRole('button', { name: 'Done: hide the key' }).click();
      await page.getByRole('button', { name: new RegExp(`^Revoke the key “${device} export”`) }).click();
      await page.getByRole('button', { name: `Yes, revoke “${device} export”` }).waitFor();
      await check('account-revoke-key');
      await page.getByRole('button', { name: `Yes, revoke “${device} export”` }).click();
      await page.getByText(`Revoked the key “${device} export”`).waitFor();

      // grace's page: her key, and an impersonation refused for want of a reason.
      await page.goto(`${server.url}/console/admin/users/${data.grace.id}`);
      await page.getByRole('heading', { level: 1, name: 'grace' }).waitFor();
      await page.getByRole('region', { name: 'API keys of grace' }).waitFor();
      await page.getByRole('button', { name: 'Impersonate grace' }).click();
      await page.locator('#impersonate-reason-error').waitFor();
      await check('user-impersonate-error');

      // Acting as grace: the banner on her account page and on an admin page, then back.
      await page.getByLabel('Reason').fill(`Checking the ${device} layout`);
      await page.getByRole('button', { name: 'Impersonate grace' }).click();
      await page.getByRole('region', { name: 'Impersonation in progress' }).waitFor();
      await check('impersonating');
      await page.goto(`${server.url}/console/admin/audit`);
      await page.getByRole('heading', { level: 1, name: 'Admins only' }).waitFor();
      await check('impersonating-admin-page');
      await page.getByRole('button', { name: 'Stop acting as grace' }).click();
      await page.getByText('You stopped acting as grace.').waitFor();
      await check('impersonation-stopped');

      expect(failures).toEqual({});
      expect(await watch.cspViolations()).toEqual([]);
      expect(watch.errors).toEqual([]);
      expect(watch.foreign).toEqual([]);
      await watch.context.close();
    });
  });

  it("shows the API's refusal of a private webhook URL (WEBHOOK_URL_NOT_ALLOWED) under the URL field", async () => {
    // This server keeps WEBHOOK_ALLOW_PRIVATE off: a loopback or private address is refused at creation.
    const watch = await openPage(browser);
    const { page } = watch;
    await signIn(page, server.url, ADMIN.username, ADMIN.password);
    await page.goto(`${server.url}/console/admin/webhooks`);
    await page.getByText('No endpoints yet.').waitFor();
    await page.getByRole('button', { name: 'Add an endpoint' }).click();
    await page.getByLabel('Endpoint URL').fill('http://10.0.0.1/hooks');
    await page.getByRole('checkbox', { name: 'user.created' }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const error = page.locator('#new-webhook-url-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/private|reserved|not allowed/i);
    expect(await page.getByLabel('Endpoint URL').getAttribute('aria-invalid')).toBe('true');
    await checkState(page, 'webhooks-url-refused');
    expect(await data.root.admin.webhooks.list.query()).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
    await watch.context.close();
  });

  it('shows a 429 with its wait, and holds the button until it passes', async () => {
    const watch = await openPage(browser);
    const { page } = watch;
    // The rate limits are off in tests; the answer is Roster's own shape for a rate-limited tRPC batch.
    await page.route('**/trpc/auth.login**', (route) =>
      route.fulfill({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '30' },
        body: JSON.stringify([
          {
            error: {
              message: 'Too many requests: try again later',
              code: -32029,
              data: {
                code: 'RATE_LIMITED',
                detail: 'Too many requests: try again later',
                httpStatus: 429,
                retryAfter: 30,
              },
            },
          },
        ]),
      }),
    );
    await page.goto(`${server.url}/console/sign-in`);
    await page.getByLabel('Username or email').fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const alert = page.locator('[role="alert"][data-code="RATE_LIMITED"]');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Too many attempts\. Try again in (30|29|28) seconds\./);
    expect(await page.getByRole('button', { name: 'Sign in', exact: true }).isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'rate-limited');
    await watch.context.close();
  });
});

/** How many pixels the page is wider than its viewport (0 when it fits). */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

async function expectNoLoading(page: Page): Promise<void> {
  await expect.poll(() => page.locator('.loading').count(), { timeout: 15_000, interval: 100 }).toBe(0);
}
