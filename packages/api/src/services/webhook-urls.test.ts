import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { toErrorResponse } from '../errors.js';
import { assertWebhookUrl, ForbiddenAddressError, isForbiddenAddress, safeLookup } from './webhook-urls.js';

const FORBIDDEN = [
  '127.0.0.1',
  '127.1.2.3',
  '0.0.0.0',
  '10.0.0.1',
  '100.64.0.1',
  '100.100.100.200', // Alibaba Cloud metadata
  '169.254.169.254', // AWS, GCP, Azure metadata
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '198.18.0.1',
  '224.0.0.1',
  '255.255.255.255',
  '::',
  '::1',
  '::ffff:127.0.0.1',
  '::ffff:10.0.0.1',
  '64:ff9b::a00:1',
  'fc00::1',
  'fd00:ec2::254', // AWS metadata over IPv6
  'fe80::1',
  'ff02::1',
  'not-an-ip',
];
const ALLOWED = ['93.184.215.14', '8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '2a00:1450::1'];

async function refusal(url: string, allowPrivate = false, addresses: string[] | Error = ['93.184.215.14']) {
  const resolve = (host: string) => {
    expect(host).not.toMatch(/^\[/);
    return addresses instanceof Error ? Promise.reject(addresses) : Promise.resolve(addresses);
  };
  try {
    await assertWebhookUrl(url, allowPrivate, resolve);
    return null;
  } catch (error) {
    return toErrorResponse(error);
  }
}

describe('isForbiddenAddress', () => {
  it.each(FORBIDDEN)('refuses %s', (address) => expect(isForbiddenAddress(address)).toBe(true));
  it.each(ALLOWED)('allows %s', (address) => expect(isForbiddenAddress(address)).toBe(false));
});

describe('assertWebhookUrl', () => {
  it('accepts an http(s) URL whose host resolves to public addresses only', async () => {
    expect(await refusal('https://hooks.example.com/x?y=1')).toBeNull();
    expect(await refusal('http://93.184.215.14:8080/hook')).toBeNull();
    expect(await refusal('http://[2606:4700::1111]/hook')).toBeNull();
  });

  it.each([
    'http://127.0.0.1:8000/hook',
    'http://[::1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00:ec2::254]/',
    'http://2130706433/', // 127.0.0.1 written as one number
    'http://0x7f.1/',
    'http://10.1.2.3/',
  ])('refuses %s with 422 WEBHOOK_URL_NOT_ALLOWED', async (url) => {
    const refused = await refusal(url);
    expect(refused?.status).toBe(422);
    expect(refused?.body.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
  });

  it('refuses a name when any of its addresses is forbidden, or when it does not resolve', async () => {
    const mixed = await refusal('https://rebind.example/', false, ['93.184.215.14', '127.0.0.1']);
    expect(mixed?.body).toMatchObject({ code: 'WEBHOOK_URL_NOT_ALLOWED' });
    expect(mixed?.body.detail).toContain('127.0.0.1');
    expect((await refusal('https://nowhere.invalid/', false, new Error('ENOTFOUND')))?.body.detail).toMatch(
      /does not resolve/,
    );
    expect((await refusal('https://empty.example/', false, []))?.status).toBe(422);
  });

  it('with allowPrivate checks the scheme only', async () => {
    expect(await refusal('http://127.0.0.1:9/hook', true)).toBeNull();
    expect((await refusal('ftp://127.0.0.1/', true))?.body.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
    expect((await refusal('not a url', true))?.body.detail).toMatch(/not a valid URL/);
  });

  it('resolves with the system resolver by default (localhost is loopback)', async () => {
    await expect(assertWebhookUrl('http://localhost:9/', false)).rejects.toMatchObject({
      appCode: 'WEBHOOK_URL_NOT_ALLOWED',
    });
  });
});

describe('safeLookup (the check made when a delivery connects)', () => {
  const lookupGiving =
    (addresses: LookupAddress[], error: Error | null = null) =>
    (_host: string, _opts: unknown, cb: (e: Error | null, a: LookupAddress[]) => void) =>
      cb(error, addresses);
  const run = (addresses: LookupAddress[], all: boolean, error: Error | null = null) =>
    new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) =>
      safeLookup(
        'hooks.example',
        { all },
        (e, address, family) => resolve({ error: e, address, ...(family ? { family } : {}) }),
        lookupGiving(addresses, error) as never,
      ),
    );

  it('answers the addresses as the connection asked for them', async () => {
    const addresses = [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:4700::1111', family: 6 },
    ];
    expect(await run(addresses, true)).toEqual({ error: null, address: addresses });
    expect(await run(addresses, false)).toEqual({ error: null, address: '93.184.215.14', family: 4 });
  });

  it('fails the connection when any address is forbidden (a rebinding caught at connect time)', async () => {
    const { error } = await run(
      [
        { address: '93.184.215.14', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
      false,
    );
    expect(error).toBeInstanceOf(ForbiddenAddressError);
    expect(error).toMatchObject({ code: 'EWEBHOOKADDRESS' });
    expect(error?.message).toContain('169.254.169.254');
  });

  it('passes resolver errors on, and treats no address as not found', async () => {
    const failure = Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    expect((await run([], false, failure)).error).toBe(failure);
    expect((await run([], false)).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
