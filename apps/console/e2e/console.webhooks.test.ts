import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SpawnedServer } from '@roster/testing';
import { createRosterClient, type RosterClient } from '@roster/sdk';
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
  signIn,
  startRoster,
  type PageWatch,
} from './support';

// The webhooks page against the built Roster (WEBHOOK_ALLOW_PRIVATE=true, so it may send to a receiver on this
// machine): add an endpoint pointing at a node:http receiver, see its secret once, make an account and see the
// delivery delivered in the log, send a test (refused once, then accepted: its two attempts shown), retry, edit,
// disable and enable, rotate the secret, delete.

if (!chromiumAvailable && !inCi) console.warn('console webhook tests skipped: /usr/bin/chromium is missing.');

interface Received {
  headers: IncomingHttpHeaders;
  body: { type: string; data: Record<string, unknown> };
}

describe.skipIf(!chromiumAvailable && !inCi)('the webhooks page', () => {
  let server: SpawnedServer;
  let browser: Browser;
  let watch: PageWatch;
  let page: Page;
  let root: RosterClient;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  const endpoint = () => page.getByTestId('webhook-endpoint');
  const row = (event: string) => endpoint().locator(`tbody tr[data-event="${event}"]`);

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        const hook = { headers: req.headers, body: JSON.parse(raw) as Received['body'] };
        received.push(hook);
        const id = req.headers['webhook-id'];
        const first = received.filter((r) => r.headers['webhook-id'] === id).length === 1;
        // A test event is refused the first time, with a body that says why; everything else is accepted.
        if (hook.body.type === 'webhook.test' && first) res.writeHead(503).end('{"error":"busy, try later"}');
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/roster-hooks`;
    server = await startRoster({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_MS: '200',
      WEBHOOK_RETRY_SCHEDULE: '300ms,300ms,300ms',
    });
    root = createRosterClient({ url: server.url });
    await root.login({ username: ADMIN.username, password: ADMIN.password });
    browser = await launch();
    watch = await openPage(browser);
    page = watch.page;
    await signIn(page, server.url, ADMIN.username, ADMIN.password);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('starts empty, and checks the form before sending it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByText('No endpoints yet.').waitFor();
    await checkState(page, 'webhooks-empty');
    await page.getByRole('button', { name: 'Add an endpoint' }).click();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('#new-webhook-url-error', { hasText: 'Enter the URL' }).waitFor();
    await page.getByText('Choose at least one event.').waitFor();
    await checkState(page, 'webhooks-form-errors');
  });

  it('adds an endpoint and shows its secret once', async () => {
    await page.getByLabel('Endpoint URL').fill(receiverUrl);
    await page.getByRole('checkbox', { name: 'user.created' }).check();
    await page.getByLabel('Description (optional)').fill('Test receiver');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = page.getByTestId('webhook-secret');
    await secret.waitFor();
    const value = (await secret.textContent()) ?? '';
    expect(value).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
    await endpoint().getByText('Test receiver').waitFor();
    await endpoint().getByText('Nothing sent yet.').waitFor();
    await checkState(page, 'webhooks-secret');
    await page.getByRole('button', { name: 'I stored it' }).click();
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    // Never shown again: not after a reload either.
    await page.reload();
    await endpoint().getByText('Test receiver').waitFor();
    expect(await page.locator('main').textContent()).not.toContain(value);
  });

  it('delivers an event: a new account shows up delivered in the log', async () => {
    const made = await root.admin.createUser.mutate({
      email: 'hook@example.com',
      username: 'hooked',
      password: PASSWORD,
    });
    await expect
      .poll(() => received.filter((r) => r.body.type === 'user.created').length, { timeout: 20_000 })
      .toBe(1);
    expect(received[0]!.body.data).toMatchObject({ id: made.id, username: 'hooked' });
    expect(received[0]!.headers['webhook-signature']).toMatch(/^v1,/);
    // The log reads itself again while a delivery is pending; refresh in case it was read after the delivery.
    await endpoint()
      .getByRole('button', { name: /^Refresh deliveries/ })
      .click();
    const delivered = row('user.created');
    await delivered.and(page.locator('[data-status="delivered"]')).waitFor({ timeout: 20_000 });
    const cells = await delivered.locator('td').allTextContents();
    expect(cells[0]).toContain('Delivered');
    expect(cells.slice(1, 4)).toEqual([
      expect.stringMatching(/^1 Show the attempts/),
      '204',
      expect.stringMatching(/^\d+ ms$/),
    ]);
    expect(cells[5]).toMatch(/^Delivered /);
    await checkState(page, 'webhooks-delivered');
  });

  it('sends a test event, and shows both of its attempts: refused with a body, then accepted', async () => {
    await endpoint().getByRole('button', { name: 'Send a test event' }).click();
    await endpoint().getByText('Test event queued').waitFor();
    await row('webhook.test').and(page.locator('[data-status="delivered"]')).waitFor({ timeout: 20_000 });
    expect(received.filter((r) => r.body.type === 'webhook.test')).toHaveLength(2);
    expect((await row('webhook.test').locator('td').allTextContents()).slice(1, 3)).toEqual([
      expect.stringMatching(/^2 Show/),
      '204',
    ]);

    const open = row('webhook.test').getByRole('button', { name: /^Show the attempts/ });
    expect(await open.getAttribute('aria-expanded')).toBe('false');
    await open.click();
    const attempts = endpoint().getByTestId('delivery-attempts');
    await attempts.locator('tbody tr[data-attempt="1"]').waitFor();
    const [second, first] = await attempts
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c) => c.textContent ?? '')));
    expect(second).toEqual([
      '#2',
      expect.stringMatching(/\d{2}:\d{2}:\d{2}$/),
      'HTTP 204',
      expect.stringMatching(/ m?s$/),
      'Empty body',
    ]);
    expect(first).toEqual([
      '#1',
      expect.any(String),
      'HTTP 503',
      expect.any(String),
      '{"error":"busy, try later"}',
    ]);
    const hide = row('webhook.test').getByRole('button', { name: /^Hide the attempts/ });
    expect(await hide.getAttribute('aria-expanded')).toBe('true');
    expect(await hide.getAttribute('aria-controls')).toBe(
      await attempts.locator('xpath=../..').getAttribute('id'),
    );
    await checkState(page, 'webhooks-attempts');
    await hide.click();
    expect(await endpoint().getByTestId('delivery-attempts').count()).toBe(0);
  });

  it('retries a delivery with the same webhook-id, and its open attempts show the new one', async () => {
    await row('user.created')
      .getByRole('button', { name: /^Show the attempts/ })
      .click();
    const attempts = endpoint().getByTestId('delivery-attempts');
    await attempts.locator('tbody tr[data-attempt="1"]').waitFor();
    const first = received.find((r) => r.body.type === 'user.created')!;
    await row('user.created')
      .getByRole('button', { name: /^Retry/ })
      .click();
    await expect
      .poll(() => received.filter((r) => r.headers['webhook-id'] === first.headers['webhook-id']).length, {
        timeout: 20_000,
      })
      .toBe(2);
    await attempts.locator('tbody tr[data-attempt="2"]').waitFor({ timeout: 20_000 });
    expect(await attempts.locator('tbody tr').count()).toBe(2);
    await row('user.created')
      .getByRole('button', { name: /^Hide the attempts/ })
      .click();
  });

  it('edits, disables and enables, rotates the secret, and deletes the endpoint', async () => {
    await endpoint().getByRole('button', { name: 'Edit' }).click();
    await endpoint().getByLabel('Description (optional)').fill('CRM sync');
    await endpoint().getByRole('checkbox', { name: 'user.deleted' }).check();
    await checkState(page, 'webhooks-edit');
    await endpoint().getByRole('button', { name: 'Save endpoint' }).click();
    await endpoint().getByText('Endpoint saved.').waitFor();
    await endpoint().getByText('Events: user.created, user.deleted').waitFor();

    await endpoint().getByRole('button', { name: 'Disable' }).click();
    await endpoint().getByText('Disabled', { exact: true }).waitFor();
    expect(await endpoint().getByRole('button', { name: 'Send a test event' }).isDisabled()).toBe(true);
    await endpoint().getByRole('button', { name: 'Enable' }).click();
    await endpoint().getByText('Enabled', { exact: true }).waitFor();

    await endpoint().getByRole('button', { name: 'Rotate secret' }).click();
    await endpoint().getByRole('button', { name: 'Yes, rotate the secret' }).click();
    const secret = endpoint().getByTestId('webhook-secret');
    await secret.waitFor();
    expect(await secret.textContent()).toMatch(/^whsec_/);
    await endpoint().getByText('the old secret signs too until').waitFor();
    await endpoint().getByRole('button', { name: 'I stored it' }).click();

    await endpoint().getByRole('button', { name: 'Delete' }).click();
    await checkState(page, 'webhooks-delete-confirm');
    await endpoint().getByRole('button', { name: 'Yes, delete the endpoint' }).click();
    await page.getByText('No endpoints yet.').waitFor();
    expect(await root.admin.webhooks.list.query()).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.foreign).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
  });
});
