import type { SpawnedServer } from '@roster/testing';
import { newAccount, type NewAccount } from './accounts.js';
import { http } from './harness.js';

// Helpers of the chaos suite (src/chaos/): bounded traffic against spawned servers, with every answer recorded.

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One request's fate: its status and body, or the network error it met, and how long it took. */
export interface Outcome {
  status?: number;
  body?: Record<string, unknown> | null;
  error?: string;
  ms: number;
}

export async function attempt(
  base: string,
  method: string,
  path: string,
  opts: Parameters<typeof http>[3] = {},
): Promise<Outcome> {
  const started = Date.now();
  try {
    const res = await http<Record<string, unknown> | null>(base, method, path, {
      ...opts,
      headers: { ...opts.headers, connection: 'close' },
    });
    return { status: res.status, body: res.body, ms: Date.now() - started };
  } catch (error) {
    return { error: (error as Error).message, ms: Date.now() - started };
  }
}

export interface Account extends NewAccount {
  id: number;
  token: string;
}

/** Registers and logs in an account (expects both to succeed). */
export async function account(base: string, prefix: string): Promise<Account> {
  const fresh = newAccount(prefix);
  const registered = await attempt(base, 'POST', '/auth/register', { json: fresh });
  if (registered.status !== 201) throw new Error(`register: ${JSON.stringify(registered)}`);
  const token = await loginToken(base, fresh);
  if (!token) throw new Error('login failed');
  return { ...fresh, id: Number(registered.body?.id), token };
}

/** An access token, or null when the login is refused. */
export async function loginToken(base: string, who: NewAccount): Promise<string | null> {
  const res = await attempt(base, 'POST', '/auth/login', {
    form: { username: who.email, password: who.password },
  });
  return res.status === 200 ? String(res.body?.access_token) : null;
}

/** Polls until `check` holds, at most `ms` (then throws with `what`). */
export async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (await check()) return;
  throw new Error(`timed out after ${ms} ms waiting until ${what}`);
}

/** The value of a gauge on an instance's /metrics (null when absent). */
export async function gauge(instance: SpawnedServer, name: string): Promise<number | null> {
  const res = await fetch(`${instance.url}/metrics`, { headers: { connection: 'close' } });
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(await res.text());
  return match ? Number(match[1]) : null;
}
