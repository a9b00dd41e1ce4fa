import { createHmac } from 'node:crypto';

// Hand-made JWTs for the token tests: jose is not a dependency of the server package, and HS256 is one HMAC.

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `header.payload` with HMAC-SHA256 under `secret` (the header's alg is taken as given). */
export function signHs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: string,
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** `header.payload.` with whatever signature part is given (empty by default). */
export function unsignedToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sig = '',
): string {
  return `${b64url(header)}.${b64url(payload)}.${sig}`;
}

/** The decoded header or payload (part 0 or 1) of a JWT. */
export function jwtPart(token: string, part: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[part] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** Claims like the server's own: sub, iss, aud, iat, exp (now + ttl) and jti. */
export function claims(opts: {
  sub: number;
  iss: string;
  aud: string;
  ttl?: number;
}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: String(opts.sub),
    iss: opts.iss,
    aud: opts.aud,
    iat: now,
    exp: now + (opts.ttl ?? 600),
    jti: `jti-${now}-${Math.random()}`,
  };
}
