import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClaimedDelivery } from '@roster/api';
import { closedPort } from '@roster/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReceiver, verified, type Receiver } from '../test/webhook-receiver.js';
import { errorKindOf, sendWebhook, signatureHeaders } from './webhook-sender.js';

// One attempt: signed headers, what counts as delivered, and how failures are told apart.

const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const OLD = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
let receiver: Receiver;

const delivery = (url: string, secrets = [SECRET]): ClaimedDelivery => ({
  id: 'msg_AAAAAAAAAAAAAAAAAAAAAA',
  endpointId: 1,
  eventType: 'webhook.test',
  payload: JSON.stringify({ type: 'webhook.test', timestamp: new Date().toISOString(), data: { é: 'ü' } }),
  attempt: 1,
  url,
  secrets,
});

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.reply = () => ({ status: 200 });
});

describe('sendWebhook', () => {
  it('POSTs the exact body with one verifiable signature per secret', async () => {
    const sent = delivery(receiver.url, [SECRET, OLD]);
    const result = await sendWebhook(sent, { timeoutMs: 2_000, allowPrivate: true });
    expect(result).toMatchObject({
      ok: true,
      statusCode: 200,
      error: null,
      errorKind: null,
      responseBody: null,
      aborted: false,
    });
    const [got] = receiver.received;
    expect(got?.body).toBe(sent.payload);
    expect(verified(got!, SECRET)).toMatchObject({ data: { é: 'ü' } });
    expect(verified(got!, OLD)).toMatchObject({ type: 'webhook.test' });
    const headers = signatureHeaders(delivery(receiver.url), new Date(1_700_000_000_000));
    expect(headers['webhook-timestamp']).toBe('1700000000');
  });

  it('tells a refused connection, an aborted attempt and a forbidden address apart', async () => {
    const refused = await sendWebhook(delivery(`http://127.0.0.1:${await closedPort()}/`), {
      timeoutMs: 2_000,
      allowPrivate: true,
    });
    expect(refused).toMatchObject({
      ok: false,
      statusCode: null,
      errorKind: 'connection_refused',
      aborted: false,
    });
    expect(refused.error).toMatch(/^ECONNREFUSED/);

    receiver.reply = () => 'hang';
    const stop = new AbortController();
    const pending = sendWebhook(delivery(receiver.url), {
      timeoutMs: 5_000,
      allowPrivate: true,
      signal: stop.signal,
    });
    await receiver.waitFor((h) => h.headers['webhook-id'] !== undefined && receiver.received.length > 1);
    stop.abort();
    expect(await pending).toMatchObject({ ok: false, error: 'aborted', aborted: true });

    const forbidden = await sendWebhook(delivery('http://[::1]:9/'), {
      timeoutMs: 2_000,
      allowPrivate: false,
    });
    expect(forbidden).toMatchObject({
      ok: false,
      statusCode: null,
      error: '::1 is an address webhooks may not reach',
      errorKind: 'address_not_allowed',
    });
  });
});

describe('what an attempt keeps', () => {
  it('when it started, how long it took, and the beginning of the answer, whatever its status', async () => {
    receiver.reply = () => ({ status: 503, body: '{"error":"down for maintenance"}' });
    const before = Date.now();
    const failed = await sendWebhook(delivery(receiver.url), { timeoutMs: 2_000, allowPrivate: true });
    expect(failed).toMatchObject({
      ok: false,
      statusCode: 503,
      error: 'HTTP 503',
      errorKind: null,
      responseBody: '{"error":"down for maintenance"}',
    });
    expect(failed.startedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(failed.startedAt.getTime()).toBeLessThanOrEqual(before + failed.durationMs + 50);

    // A megabyte of answer: only its beginning is read, and kept to 500 characters.
    receiver.reply = () => ({ status: 200, body: `${'é'.repeat(600)}\u0000${'x'.repeat(1_000_000)}` });
    const long = await sendWebhook(delivery(receiver.url), { timeoutMs: 2_000, allowPrivate: true });
    expect(long).toMatchObject({ ok: true, statusCode: 200, responseBody: 'é'.repeat(500) });
  });

  it('tells a timeout, a reset, an unknown host and a TLS failure apart by kind, never by message', async () => {
    receiver.reply = () => 'hang';
    const slow = await sendWebhook(delivery(receiver.url), { timeoutMs: 200, allowPrivate: true });
    expect(slow).toMatchObject({ statusCode: null, error: 'timed out after 200 ms', errorKind: 'timeout' });
    expect(slow.durationMs).toBeGreaterThanOrEqual(150);

    receiver.reply = () => 'reset';
    const reset = await sendWebhook(delivery(receiver.url), { timeoutMs: 2_000, allowPrivate: true });
    expect(reset).toMatchObject({ statusCode: null, errorKind: 'connection_reset', responseBody: null });

    const nowhere = await sendWebhook(delivery('http://roster-hooks.invalid/'), {
      timeoutMs: 5_000,
      allowPrivate: true,
    });
    expect(nowhere).toMatchObject({ statusCode: null, errorKind: 'dns' });

    receiver.reply = () => ({ status: 200 });
    const tls = await sendWebhook(delivery(receiver.url.replace('http:', 'https:')), {
      timeoutMs: 2_000,
      allowPrivate: true,
    });
    expect(tls).toMatchObject({ statusCode: null, errorKind: 'tls' });

    expect(errorKindOf(new Error('no code'), false)).toBe('network');
    expect(errorKindOf(Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }), false)).toBe('network');
    expect(errorKindOf(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' }), false)).toBe('tls');
    expect(errorKindOf(Object.assign(new Error('x'), { code: 'EAI_AGAIN' }), false)).toBe('dns');
  });

  it('goes by the status when the body stalls past the timeout or the dispatcher stops: what came is kept', async () => {
    const stalling = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'content-length': '1000' });
        res.write('accepted, more to come');
      });
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}/`;
    try {
      const timedOut = await sendWebhook(delivery(url), { timeoutMs: 300, allowPrivate: true });
      expect(timedOut).toMatchObject({
        ok: true,
        statusCode: 202,
        error: null,
        errorKind: null,
        responseBody: 'accepted, more to come',
        aborted: false,
      });
      expect(timedOut.durationMs).toBeLessThan(300);

      const stop = new AbortController();
      const pending = sendWebhook(delivery(url), {
        timeoutMs: 5_000,
        allowPrivate: true,
        signal: stop.signal,
      });
      setTimeout(() => stop.abort(), 100);
      expect(await pending).toMatchObject({ ok: true, statusCode: 202, aborted: false });
    } finally {
      stalling.closeAllConnections();
      await new Promise((resolve) => stalling.close(resolve));
    }
  });
});
