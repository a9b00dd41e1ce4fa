import type { ClaimedDelivery } from '@roster/api';
import { closedPort } from '@roster/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, verified, type Receiver } from '../test/webhook-receiver.js';
import { sendWebhook, signatureHeaders } from './webhook-sender.js';

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

describe('sendWebhook', () => {
  it('POSTs the exact body with one verifiable signature per secret', async () => {
    const sent = delivery(receiver.url, [SECRET, OLD]);
    const result = await sendWebhook(sent, { timeoutMs: 2_000, allowPrivate: true });
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null, aborted: false });
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
    expect(refused).toMatchObject({ ok: false, statusCode: null, aborted: false });
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
    });
  });
});
