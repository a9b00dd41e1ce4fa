import { describe, expect, it, vi } from 'vitest';
import { createRosterClient, isRosterError, type RosterError } from './index.js';

// Cancelling calls in flight, against a stand-in fetch (no server needed): it answers when told to, or fails
// the way fetch does when its request's signal fires.

/** A fetch that holds every request until `answer()` and records each request's signal. */
function heldFetch() {
  const signals: AbortSignal[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const fetchStub: typeof fetch = async (_url, init) => {
    const signal = init?.signal ?? AbortSignal.timeout(60_000);
    signals.push(signal);
    await Promise.race([
      released,
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    ]);
    // A tRPC batch answer: one result per call (these tests batch at most two auth.me calls).
    const me = { id: 7, username: 'ada' };
    return Response.json([{ result: { data: me } }, { result: { data: me } }]);
  };
  return { fetch: fetchStub, signals, answer: () => release() };
}

async function rejection(call: Promise<unknown>): Promise<RosterError> {
  return (await call.then(
    () => expect.unreachable('expected the call to fail'),
    (e: unknown) => e,
  )) as RosterError;
}

/** Waits until the client has sent its request (the headers are computed asynchronously). */
const sent = (held: { signals: AbortSignal[] }) => vi.waitFor(() => expect(held.signals).toHaveLength(1));

describe('AbortSignal', () => {
  it('aborting a call in flight rejects it with ABORTED and cancels its request', async () => {
    const held = heldFetch();
    const client = createRosterClient({ url: 'http://roster.invalid', fetch: held.fetch });
    const controller = new AbortController();
    const call = client.auth.me.query(undefined, { signal: controller.signal });
    await sent(held);
    expect(held.signals).toHaveLength(1);
    controller.abort();
    const error = await rejection(call);
    expect(isRosterError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ABORTED', status: 0, issues: [] });
    expect(held.signals[0]?.aborted).toBe(true);
  });

  it('aborting one call of a batch rejects only that one; the request goes on for the others', async () => {
    const held = heldFetch();
    const client = createRosterClient({ url: 'http://roster.invalid', fetch: held.fetch });
    const controller = new AbortController();
    const kept = client.auth.me.query();
    const cancelled = client.auth.me.query(undefined, { signal: controller.signal });
    await sent(held);
    expect(held.signals).toHaveLength(1); // one batched request
    controller.abort();
    expect(await rejection(cancelled)).toMatchObject({ code: 'ABORTED' });
    expect(held.signals[0]?.aborted).toBe(false);
    held.answer();
    await expect(kept).resolves.toEqual({ id: 7, username: 'ada' });
  });

  it('aborting every call of a batch cancels its request', async () => {
    const held = heldFetch();
    const client = createRosterClient({ url: 'http://roster.invalid', fetch: held.fetch });
    const controller = new AbortController();
    const calls = [1, 2].map(() => client.auth.me.query(undefined, { signal: controller.signal }));
    await sent(held);
    controller.abort();
    for (const call of calls) expect(await rejection(call)).toMatchObject({ code: 'ABORTED' });
    expect(held.signals.map((s) => s.aborted)).toEqual([true]);
  });

  it('aborting after the answer changes nothing', async () => {
    const held = heldFetch();
    held.answer();
    const client = createRosterClient({ url: 'http://roster.invalid', fetch: held.fetch });
    const controller = new AbortController();
    await expect(client.auth.me.query(undefined, { signal: controller.signal })).resolves.toMatchObject({
      id: 7,
    });
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(held.signals[0]?.aborted).toBe(false);
  });

  it('an abort reason of another kind (a timeout) is still ABORTED, its reason the cause', async () => {
    const held = heldFetch();
    const client = createRosterClient({ url: 'http://roster.invalid', fetch: held.fetch });
    const call = client.register(
      { email: 'a@example.com', username: 'ada', password: 'correct horse battery' },
      { signal: AbortSignal.timeout(20) },
    );
    const error = await rejection(call);
    expect(error).toMatchObject({ code: 'ABORTED', status: 0 });
    const abort = (error.cause as Error).cause as Error;
    expect(abort.name).toBe('AbortError');
    expect((abort.cause as Error).name).toBe('TimeoutError');
  });
});
