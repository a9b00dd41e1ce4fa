import type { InvalidationMessage } from '@roster/api';
import { afterEach, describe, expect, it } from 'vitest';
import { Echoes, UnconfirmedError, type BusLink, type BusTiming } from './echoes.js';
import { capturedLogger } from '../test/logs.js';

// The echo and heartbeat logic on its own, over a loopback "broker" in this process that can drop messages or go
// quiet (the real buses are exercised in invalidation.test.ts and bus-cut.test.ts).

const FAST: BusTiming = { heartbeatMs: 20, staleMs: 100, confirmMs: 300, attemptMs: 40 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(timing = FAST) {
  const { logger, logs } = capturedLogger();
  const state = { deliver: true, sendFails: false, hang: false, sent: 0, restarts: 0 };
  const link: BusLink = {
    send(raw) {
      state.sent += 1;
      if (state.hang) return new Promise(() => undefined);
      if (state.sendFails) return Promise.reject(new Error('down'));
      if (state.deliver) setImmediate(() => echoes.deliver(raw));
      return Promise.resolve();
    },
    beat(raw) {
      if (state.deliver) setImmediate(() => echoes.deliver(raw));
      return Promise.resolve();
    },
    restart() {
      state.restarts += 1;
    },
  };
  const echoes = new Echoes(link, logger, 'loopback', timing);
  const heard: InvalidationMessage[] = [];
  echoes.listeners.push((message) => heard.push(message));
  return { echoes, state, heard, logs };
}

let running: Echoes | undefined;
afterEach(() => running?.stop());

describe('Echoes: heartbeat', () => {
  it('is unhealthy until subscribed and its own heartbeat is heard, then healthy', async () => {
    const { echoes, heard } = setup();
    running = echoes;
    echoes.start();
    expect(echoes.healthy()).toBe(false);
    echoes.subscribed();
    // Subscribing again may follow missed messages: everything is forgotten.
    expect(heard).toEqual([{ all: true }]);
    await expect.poll(() => echoes.healthy(), { timeout: 1_000 }).toBe(true);
    echoes.lost();
    expect(echoes.healthy()).toBe(false);
  });

  it('goes unhealthy when its heartbeat stops coming back, restarts the subscription, and recovers', async () => {
    const { echoes, state, heard, logs } = setup();
    running = echoes;
    echoes.start();
    echoes.subscribed();
    await expect.poll(() => echoes.healthy(), { timeout: 1_000 }).toBe(true);
    heard.length = 0;
    state.deliver = false; // connected, but nothing comes back
    await expect.poll(() => echoes.healthy(), { timeout: 1_000 }).toBe(false);
    await expect.poll(() => state.restarts, { timeout: 1_000 }).toBeGreaterThan(0);
    expect(logs.filter((l) => String(l.msg).includes('invalidation bus silent'))).toHaveLength(1);
    state.deliver = true;
    await expect.poll(() => echoes.healthy(), { timeout: 1_000 }).toBe(true);
    // Heard again after a silence: what was sent meanwhile may be lost.
    expect(heard).toContainEqual({ all: true });
    expect(logs.some((l) => String(l.msg).includes('invalidation bus heard again'))).toBe(true);
  });

  it("ignores other instances' heartbeats and what is not a message", async () => {
    const { echoes, heard } = setup();
    echoes.subscribed();
    heard.length = 0;
    echoes.deliver(JSON.stringify({ hb: 'another-instance' }));
    echoes.deliver('not json');
    expect(heard).toEqual([]);
    expect(echoes.healthy()).toBe(false);
    echoes.deliver('{"users":[1,"x",2.5],"sessions":["s",3]}');
    expect(heard).toEqual([{ users: [1], sessions: ['s'] }]);
  });
});

describe('Echoes: publish', () => {
  it('resolves once its own message is heard back', async () => {
    const { echoes, state, heard } = setup();
    echoes.subscribed();
    await echoes.publish({ users: [7] });
    expect(state.sent).toBe(1);
    expect(heard).toContainEqual(expect.objectContaining({ users: [7], sessions: [] }));
  });

  it('sends again until heard (a lost message, a failed send)', async () => {
    const { echoes, state } = setup();
    echoes.subscribed();
    state.deliver = false;
    state.sendFails = true;
    const done = echoes.publish({ sessions: ['a'] });
    await sleep(100);
    state.sendFails = false;
    await sleep(50);
    state.deliver = true;
    await done;
    expect(state.sent).toBeGreaterThanOrEqual(3);
  });

  it('rejects once confirmMs has passed without an echo, never stacking sends on a stuck one', async () => {
    const { echoes, state } = setup();
    echoes.subscribed();
    state.hang = true;
    const started = performance.now();
    await expect(echoes.publish({ users: [1] })).rejects.toBeInstanceOf(UnconfirmedError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(FAST.confirmMs - 5);
    expect(performance.now() - started).toBeLessThan(FAST.confirmMs + 200);
    expect(state.sent).toBe(1);
    state.hang = false;
    state.deliver = false;
    await expect(echoes.publish({ users: [2] })).rejects.toThrow(/not heard back within 300 ms/);
    expect(state.sent).toBeGreaterThan(3);
  });
});
