import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { closedPort } from '@roster/testing';
import { build } from 'esbuild';
import { decodeJwt } from 'jose';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccount, register } from '../test/accounts.js';
import { startTestServer, type TestServer } from '../test/harness.js';

// Passkeys in a real browser: Debian's headless Chromium (playwright-core) with a DevTools virtual authenticator
// (CTAP2, internal, resident keys, user verification, presence simulated). A page on Roster's own origin
// (http://localhost:PORT: browsers refuse an IP address as relying party) drives the SDK, bundled with esbuild
// from its sources: @roster/sdk and its browser entry @roster/sdk/passkeys (@simplewebauthn/browser). The flow:
// register a passkey, sign out, sign in with it, delete it, and sign-in is refused.

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
];
const TIMEOUT = 120_000;
const SDK = (file: string) => fileURLToPath(new URL(`../../../../packages/sdk/src/${file}`, import.meta.url));

const available = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';
if (!available && !inCi) {
  console.warn(
    `passkeys.browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install chromium). With CI=true it fails.`,
  );
}

/** The page's script: the SDK and its browser entry, and the steps this test runs, on `window.flow`. */
const ENTRY = `
import { createRosterClient, isRosterError } from ${JSON.stringify(SDK('index.ts'))};
import { browserSupportsWebAuthn, registerPasskey, signInWithPasskey, verifyWithPasskey } from ${JSON.stringify(SDK('passkeys.ts'))};

const roster = createRosterClient({ url: location.origin });
const failure = (error) => ({ failed: true, code: isRosterError(error) ? error.code : String(error) });
window.flow = {
  supported: () => browserSupportsWebAuthn(),
  login: (username, password) => roster.login({ username, password }),
  register: (name) => registerPasskey(roster, { name }),
  list: () => roster.passkeys.list(),
  logout: () => roster.logout(),
  token: () => roster.getToken(),
  me: () => roster.auth.me.query(),
  signIn: () => signInWithPasskey(roster).catch(failure),
  secondStep: (mfaToken) => verifyWithPasskey(roster, mfaToken).catch(failure),
  remove: (id, password) => roster.passkeys.remove(id, password),
};
document.getElementById('status').textContent = 'ready';
`;
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Roster passkeys</title></head>
<body><p id="status">loading</p><script src="/passkey-test/flow.js"></script></body></html>`;

/**
 * Serves the test page from the test server itself, on Roster's origin: its request listener answers
 * /passkey-test/* and hands every other request to Roster as before.
 */
function serveTestPage(server: TestServer, script: string): void {
  const http = server.running.server;
  const [roster] = http.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  http.removeAllListeners('request');
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const pages: Record<string, [string, string]> = {
      '/passkey-test/': ['text/html; charset=utf-8', PAGE],
      '/passkey-test/flow.js': ['text/javascript; charset=utf-8', script],
    };
    const page = pages[req.url ?? ''];
    if (!page) return roster!(req, res);
    res.writeHead(200, { 'content-type': page[0], 'cache-control': 'no-store' }).end(page[1]);
  });
}

describe.skipIf(!available && !inCi)('passkeys in headless Chromium', { timeout: TIMEOUT }, () => {
  let server: TestServer;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  const errors: string[] = [];
  const account = newAccount('chromium');

  beforeAll(async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing and CI=true: install Debian's chromium package`);
    const port = await closedPort();
    origin = `http://localhost:${port}`;
    // PUBLIC_URL makes localhost the relying party and this origin the one WebAuthn may be called from.
    server = await startTestServer({ PORT: String(port), PUBLIC_URL: origin });
    const bundle = await build({
      stdin: { contents: ENTRY, resolveDir: SDK(''), loader: 'js' },
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      logLevel: 'silent',
    });
    serveTestPage(server, bundle.outputFiles[0]!.text);
    await register(server, account);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
    page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
    await page.goto(`${origin}/passkey-test/`);
    await page.locator('#status', { hasText: 'ready' }).waitFor();
  }, TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, TIMEOUT);

  /** Runs one step of `window.flow` in the page and answers its result. */
  const run = <T = unknown>(step: string, ...args: unknown[]) =>
    page.evaluate(
      ({ step: name, args: values }) => {
        const flow = (globalThis as unknown as { flow: Record<string, (...a: unknown[]) => unknown> }).flow;
        return flow[name]!(...values) as Promise<T>;
      },
      { step, args },
    );
  const credentials = async () =>
    (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;

  it('registers a passkey for the signed-in account', async () => {
    expect(await run<boolean>('supported')).toBe(true);
    const login = await run<{ status: string }>('login', account.email, account.password);
    expect(login.status).toBe('authenticated');
    const passkey = await run<{ id: number; name: string }>('register', 'Chromium');
    expect(passkey.name).toBe('Chromium');
    const held = await credentials();
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    expect(await run('list')).toEqual([expect.objectContaining({ id: passkey.id, name: 'Chromium' })]);
  });

  it('signs out, then signs in with the passkey alone (amr ["hwk"])', async () => {
    await run('logout');
    expect(await run('token')).toBeNull();
    const session = await run<{ status: string; access_token: string }>('signIn');
    expect(session.status).toBe('authenticated');
    expect(decodeJwt(session.access_token).amr).toEqual(['hwk']);
    expect(await run('me')).toMatchObject({ email: account.email });
    expect((await credentials())[0]?.signCount).toBeGreaterThan(0);
  });

  it('completes a password login with the passkey as second step (amr ["pwd","hwk"])', async () => {
    await run('logout');
    const step = await run<{ status: string; mfaToken: string; methods: string[] }>(
      'login',
      account.email,
      account.password,
    );
    expect(step).toMatchObject({ status: 'mfa_required', methods: ['webauthn'] });
    const session = await run<{ status: string; access_token: string }>('secondStep', step.mfaToken);
    expect(decodeJwt(session.access_token).amr).toEqual(['pwd', 'hwk']);
  });

  it('deletes the passkey; signing in with it is then refused', async () => {
    const [passkey] = await run<{ id: number }[]>('list');
    await run('remove', passkey!.id, account.password);
    expect(await run('list')).toEqual([]);
    await run('logout');
    // The authenticator still holds the credential; Roster no longer knows it.
    expect(await credentials()).toHaveLength(1);
    expect(await run('signIn')).toEqual({ failed: true, code: 'PASSKEY_AUTHENTICATION_FAILED' });
    expect(await run('token')).toBeNull();
    expect(errors.filter((e) => !/401|Failed to load resource/.test(e))).toEqual([]);
  });
});
