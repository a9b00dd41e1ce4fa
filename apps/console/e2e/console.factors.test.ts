import { readFileSync } from 'node:fs';
import { closedPort, freshTotpWindow, totpCode, type SpawnedServer } from '@roster/testing';
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
  startRoster,
  withAuthenticator,
  type PageWatch,
} from './support';

// Second factors in the console, against the built Roster in Chromium: an account turns on an authenticator app
// from its account page (codes computed here from the secret it shows), signs out, signs in with password and
// code, then with a recovery code; an admin resets its MFA; then passkeys with a DevTools virtual authenticator:
// add, rename, sign in with one alone and as the second step, delete (after the password). Served on
// http://localhost:PORT with PUBLIC_URL to match: browsers refuse an IP address as the passkeys' relying party.

if (!chromiumAvailable && !inCi) console.warn('console factor tests skipped: /usr/bin/chromium is missing.');

const ADA = { email: 'ada@example.com', username: 'ada', password: PASSWORD };

describe.skipIf(!chromiumAvailable && !inCi)('second factors in the console', () => {
  let server: SpawnedServer;
  let origin: string;
  let browser: Browser;
  let owner: PageWatch;
  let page: Page;
  let adaId: number;
  let secret = '';
  let recoveryCodes: string[] = [];
  const heading = (p: Page, name: string) => p.getByRole('heading', { level: 1, name }).waitFor();
  const mfa = () => page.getByRole('region', { name: 'Two-step verification' });

  beforeAll(async () => {
    const port = await closedPort();
    origin = `http://localhost:${port}`;
    server = await startRoster({ PORT: String(port), PUBLIC_URL: origin });
    const root = createRosterClient({ url: server.url });
    await root.login({ username: ADMIN.username, password: ADMIN.password });
    adaId = (await root.admin.createUser.mutate({ ...ADA, full_name: 'Ada Lovelace' })).id;
    browser = await launch();
    owner = await openPage(browser);
    page = owner.page;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function passwordStep(p: Page = page) {
    await p.goto(`${origin}/console/sign-in`);
    await p.getByLabel('Username or email').fill(ADA.username);
    await p.getByLabel('Password', { exact: true }).fill(ADA.password);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
  }
  async function signOut(p: Page = page) {
    await p.getByRole('button', { name: 'Sign out', exact: true }).click();
    await p.waitForURL('**/console/sign-in');
  }

  it('turns on an authenticator app from the account page: QR code, secret, code, recovery codes', async () => {
    await passwordStep();
    await heading(page, 'Your account');
    await mfa().getByText('Off. Add an authenticator app or a passkey').waitFor();
    await mfa().getByRole('button', { name: 'Set up an authenticator app' }).click();
    await mfa().getByLabel('Your password').fill('not my password');
    await mfa().getByRole('button', { name: 'Continue' }).click();
    await page.locator('#totp-password-error', { hasText: 'Your password is not right.' }).waitFor();
    await mfa().getByLabel('Your password').fill(ADA.password);
    await mfa().getByRole('button', { name: 'Continue' }).click();

    const qr = mfa().getByRole('img', { name: 'QR code to add Roster to your authenticator app' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    // The image loaded under the console's CSP (img-src 'self' data:).
    await expect
      .poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0))
      .toBe(true);
    secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await checkState(page, 'account-mfa-setup');

    await mfa().getByLabel('Code from the app').fill('12345');
    await mfa().getByRole('button', { name: 'Turn on' }).click();
    await page.locator('#totp-code-error', { hasText: 'The code is 6 digits.' }).waitFor();
    await freshTotpWindow(5_000);
    await mfa().getByLabel('Code from the app').fill(totpCode(secret));
    await mfa().getByRole('button', { name: 'Turn on' }).click();

    const codes = page.getByTestId('recovery-codes').locator('li');
    await expect.poll(() => codes.count()).toBe(10);
    recoveryCodes = (await codes.allTextContents()).map((c) => c.trim());
    expect(recoveryCodes.every((c) => /^[a-z0-9]{5}-[a-z0-9]{5}$/i.test(c))).toBe(true);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      mfa().getByRole('button', { name: 'Download as text' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('roster-recovery-codes-ada.txt');
    const file = readFileSync((await download.path())!, 'utf8');
    for (const code of recoveryCodes) expect(file).toContain(code);
    await checkState(page, 'account-recovery-codes');

    await mfa().getByRole('button', { name: 'I saved them' }).click();
    await mfa().getByText('On, with an authenticator app. 10 recovery codes left.').waitFor();
    expect(await page.getByTestId('recovery-codes').count()).toBe(0);
    expect(await (await createRosterClient({ url: server.url }).login(ADA)).status).toBe('mfa_required');
  });

  it('signs out, then signs in with the password and a code (a wrong one is said to be wrong)', async () => {
    await signOut();
    await passwordStep();
    await page.getByRole('heading', { level: 2, name: 'Two-step verification' }).waitFor();
    await page.getByText('use a code from your authenticator app or a recovery code').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('mfa-code');
    await checkState(page, 'sign-in-mfa');

    const valid = new Set([-1, 0, 1, 2].map((s) => totpCode(secret, Date.now(), s)));
    const wrong = ['000000', '111111', '222222'].find((c) => !valid.has(c))!;
    await page.getByLabel('Code from your authenticator app').fill(wrong);
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.locator('#mfa-code-error', { hasText: 'That code is not right.' }).waitFor();
    await checkState(page, 'sign-in-mfa-wrong-code');

    // The code of the next step: the one used to turn the app on (this step or the last) cannot be used again.
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, Date.now(), 1));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await heading(page, 'Your account');
    await page.getByText('Signed in as').waitFor();
  });

  it('signs in with a recovery code, which then is one fewer', async () => {
    await signOut();
    await passwordStep();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await checkState(page, 'sign-in-recovery-code');
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await heading(page, 'Your account');
    await mfa().getByText('9 recovery codes left.').waitFor();
  });

  it('makes new recovery codes with the password and a recovery code; the old set stops working', async () => {
    // Another device signed in with a recovery code: new codes sign it out.
    const elsewhere = createRosterClient({ url: server.url });
    const step = await elsewhere.login({ username: ADA.username, password: ADA.password });
    if (step.status !== 'mfa_required') throw new Error('expected the second step');
    await elsewhere.mfa.verify({ mfaToken: step.mfaToken, recoveryCode: recoveryCodes[2]! });
    const sessions = page.getByRole('region', { name: 'Your sessions' });
    await page.getByRole('button', { name: 'Refresh list' }).click();
    await expect.poll(() => sessions.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);

    await mfa().getByRole('button', { name: 'New recovery codes' }).click();
    await mfa().getByLabel('Your password').fill(ADA.password);
    await mfa().getByLabel('Code from your authenticator app, or a recovery code').fill(recoveryCodes[0]!);
    await mfa().getByRole('button', { name: 'Make new recovery codes' }).click();
    // The code was used at sign-in: refused, and said so under the field.
    await page.locator('#mfa-regenerate-code-error').waitFor();
    await checkState(page, 'account-regenerate-wrong-code');
    await mfa().getByLabel('Your password').fill(ADA.password);
    await mfa().getByLabel('Code from your authenticator app, or a recovery code').fill(recoveryCodes[1]!);
    await mfa().getByRole('button', { name: 'Make new recovery codes' }).click();
    const codes = page.getByTestId('recovery-codes').locator('li');
    await expect.poll(() => codes.count()).toBe(10);
    const fresh = (await codes.allTextContents()).map((c) => c.trim());
    expect(fresh.some((c) => recoveryCodes.includes(c))).toBe(false);
    recoveryCodes = fresh;
    await mfa().getByRole('button', { name: 'I saved them' }).click();
    await mfa().getByText('10 recovery codes left.').waitFor();
    await mfa().getByText('Your other sessions were signed out.').waitFor();
    // The list is read again: this device alone; the other device's token is refused.
    await expect.poll(() => sessions.locator('tbody tr').count()).toBe(1);
    await sessions.getByText('This device').waitFor();
    await expect(elsewhere.auth.me.query()).rejects.toMatchObject({ status: 401 });
  });

  it('goes back to the password when the second step has expired', async () => {
    await signOut();
    await passwordStep();
    await page.route('**/trpc/auth.mfa.verify**', (route) =>
      route.fulfill({
        status: 401,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            error: {
              message: 'Invalid or expired MFA token: log in again',
              code: -32001,
              data: {
                code: 'INVALID_MFA_TOKEN',
                detail: 'Invalid or expired MFA token: log in again',
                httpStatus: 401,
              },
            },
          },
        ]),
      }),
    );
    await page.getByLabel('Code from your authenticator app').fill('123456');
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page
      .getByText('The sign-in took too long or was already used. Enter your password again.')
      .waitFor();
    await page.getByLabel('Password', { exact: true }).waitFor();
    await page.unroute('**/trpc/auth.mfa.verify**');
    expect(owner.errors).toEqual([]);
    expect(await owner.cspViolations()).toEqual([]);
  });

  it("lets an admin reset the account's MFA, with a confirmation", async () => {
    const admin = await openPage(browser);
    const p = admin.page;
    await p.goto(`${origin}/console/sign-in`);
    await p.getByLabel('Username or email').fill(ADMIN.username);
    await p.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await p.getByRole('button', { name: 'Sign in', exact: true }).click();
    await heading(p, 'Dashboard');
    await p.goto(`${origin}/console/admin/users/${adaId}`);
    await heading(p, 'ada');
    const section = p.getByRole('region', { name: 'Two-step verification' });
    await section.getByText('This account signs in with a second factor').waitFor();
    expect(await p.locator('.summary div', { hasText: 'MFA' }).locator('dd').textContent()).toBe('On');
    await section.getByRole('button', { name: 'Reset MFA' }).click();
    await section.getByRole('button', { name: 'Yes, reset MFA for ada' }).waitFor();
    await checkState(p, 'user-mfa-reset-confirm');
    await section.getByRole('button', { name: 'Yes, reset MFA for ada' }).click();
    await p.getByText('Two-step verification reset for ada').waitFor();
    await section.getByText('This account signs in with its password alone.').waitFor();
    expect(await p.locator('.summary div', { hasText: 'MFA' }).locator('dd').textContent()).toBe('Off');
    // The owner's password is enough again.
    expect((await createRosterClient({ url: server.url }).login(ADA)).status).toBe('authenticated');
    expect(admin.errors).toEqual([]);
    expect(await admin.cspViolations()).toEqual([]);
    await admin.context.close();
  });

  it('adds and renames a passkey, signs in with it alone and as the second step, and deletes it', async () => {
    const watch = await openPage(browser);
    const p = watch.page;
    const authenticator = await withAuthenticator(watch);
    await passwordStep(p);
    await heading(p, 'Your account');
    const passkeys = p.getByRole('region', { name: 'Passkeys' });
    await passkeys.getByText('No passkeys yet.').waitFor();
    await passkeys.getByLabel('Name for the new passkey').fill('Laptop');
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
    await passkeys.getByText('Passkey “Laptop” added.').waitFor();
    await passkeys.getByTestId('passkey').locator('strong', { hasText: 'Laptop' }).waitFor();
    expect(await authenticator.credentials()).toHaveLength(1);
    await p.getByRole('region', { name: 'Two-step verification' }).getByText('On, with 1 passkey.').waitFor();

    await passkeys.getByRole('button', { name: 'Rename Laptop' }).click();
    await passkeys.getByLabel('New name for Laptop').fill('Work laptop');
    await checkState(p, 'account-passkey-rename');
    await passkeys.getByRole('button', { name: 'Save name' }).click();
    await passkeys.getByText('Passkey renamed to “Work laptop”.').waitFor();
    await checkState(p, 'account-passkeys');

    // Passwordless: no username, no password.
    await signOut(p);
    await p.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await heading(p, 'Your account');

    // A password now needs a second step, and the passkey answers it.
    await signOut(p);
    await passwordStep(p);
    await p.getByText('To finish signing in, use a passkey.').waitFor();
    await checkState(p, 'sign-in-mfa-passkey');
    await p.getByRole('button', { name: 'Use a passkey' }).click();
    await heading(p, 'Your account');

    // Deleting it asks for the password first; a wrong one is said at the field and deletes nothing.
    await passkeys.getByRole('button', { name: 'Delete Work laptop' }).click();
    const confirm = passkeys.getByRole('form', { name: /Delete the passkey “Work laptop”/ });
    await confirm.getByRole('button', { name: 'Yes, delete it' }).click();
    await confirm.getByText('Enter your password to delete the passkey.').waitFor();
    await confirm.getByLabel('Your password').fill('not my password');
    await confirm.getByRole('button', { name: 'Yes, delete it' }).click();
    await confirm.getByText('Your password is not right.').waitFor();
    await checkState(p, 'account-passkey-delete');
    await confirm.getByLabel('Your password').fill(ADA.password);
    await confirm.getByRole('button', { name: 'Yes, delete it' }).click();
    await passkeys.getByText('Passkey “Work laptop” deleted.').waitFor();
    await passkeys.getByText('No passkeys yet.').waitFor();
    expect(watch.errors).toEqual([]);
    expect(watch.foreign).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
    await watch.context.close();
  });
});
