import { freshTotpWindow, totpCode } from '@roster/testing';
import { Ajv2020 } from 'ajv/dist/2020.js';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';
import type { components, paths } from '../test/openapi-types.js';

// The 401 MFA_REQUIRED answer is in the contract: GET /openapi.json documents its mfa_token and methods
// (MfaRequiredError) beside the Error shape of POST /auth/login's other 401, the real answers of a server fit
// exactly one of the two, and a client generated from the document alone can read the token without a cast.

type Schema = Record<string, unknown>;
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, Schema> }> }>>;
  components: { schemas: Record<string, Schema> };
}

let server: TestServer;
let doc: Document;
beforeAll(async () => {
  server = await startTestServer();
  doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document;
});
afterAll(() => server.close());

/** Validates a body against the schema GET /openapi.json documents for a response. */
function documented(path: string, method: string, status: number) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc as object, 'openapi');
  const pointer = ['paths', path.replace(/\//g, '~1'), method, 'responses', String(status)];
  const validate = ajv.compile({
    $ref: `openapi#/${[...pointer, 'content', 'application~1json', 'schema'].join('/')}`,
  });
  return (body: unknown) => ({ valid: validate(body), errors: ajv.errorsText(validate.errors) });
}

describe('MFA_REQUIRED in /openapi.json', () => {
  it('documents mfa_token and methods as their own schema, and the login 401 as Error or that', () => {
    const shape = doc.components.schemas.MfaRequiredError as {
      properties: Record<string, Schema>;
      required: string[];
    };
    expect(shape.required).toEqual(['detail', 'code', 'mfa_token', 'methods']);
    expect(shape.properties.code).toMatchObject({ const: 'MFA_REQUIRED' });
    expect(shape.properties.mfa_token).toMatchObject({ type: 'string', description: expect.any(String) });
    expect(shape.properties.methods).toMatchObject({
      type: 'array',
      items: { enum: ['totp', 'recovery_code', 'webauthn'] },
    });
    const media = doc.paths['/auth/login']!.post!.responses['401']!.content!['application/json']!;
    expect(media.schema).toEqual({
      oneOf: [{ $ref: '#/components/schemas/Error' }, { $ref: '#/components/schemas/MfaRequiredError' }],
    });
    // The documented examples fit the documented schema.
    const fits = documented('/auth/login', 'post', 401);
    for (const { value } of Object.values(media.examples as Record<string, { value: unknown }>)) {
      expect(fits(value)).toEqual({ valid: true, errors: 'No errors' });
    }
  });

  it("fits the server's real answers, each to exactly one shape; a client generated from it reads them", async () => {
    const client = createClient<paths>({ baseUrl: server.url });
    const ada = { email: 'ada@example.com', username: 'ada', password: 'correct horse battery' };
    expect((await client.POST('/auth/register', { body: ada })).response.status).toBe(201);
    const credentials = { username: ada.username, password: ada.password };
    const signedIn = await client.POST('/auth/login', { body: credentials });
    const auth = { headers: { Authorization: `Bearer ${signedIn.data!.access_token}` } };
    const setup = await client.POST('/auth/mfa/totp/setup', { body: { password: ada.password }, ...auth });
    await freshTotpWindow();
    const confirm = await client.POST('/auth/mfa/totp/confirm', {
      body: { code: totpCode(setup.data!.secret) },
      ...auth,
    });
    expect(confirm.response.status).toBe(200);

    const fits = documented('/auth/login', 'post', 401);
    const wrong = await client.POST('/auth/login', {
      body: { ...credentials, password: 'not the password' },
    });
    expect(wrong.response.status).toBe(401);
    expect(fits(wrong.error)).toEqual({ valid: true, errors: 'No errors' });

    const step = await client.POST('/auth/login', { body: credentials });
    expect(step.response.status).toBe(401);
    expect(fits(step.error)).toEqual({ valid: true, errors: 'No errors' });
    // Typed from the document: the token and the methods are there to read, no cast needed.
    const error = step.error!;
    const required: components['schemas']['MfaRequiredError'] | null = 'mfa_token' in error ? error : null;
    expect(required).toEqual({
      detail: expect.any(String),
      code: 'MFA_REQUIRED',
      mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      methods: ['totp', 'recovery_code'],
    });

    // Exactly one shape each: Error has no room for the extra fields, and MfaRequiredError needs both.
    const error401 = { $ref: 'openapi#/components/schemas/Error' };
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(doc as object, 'openapi');
    expect(ajv.validate(error401, step.error)).toBe(false);
    expect(ajv.validate({ $ref: 'openapi#/components/schemas/MfaRequiredError' }, wrong.error)).toBe(false);
    const { methods: _methods, ...withoutMethods } = required!;
    expect(fits(withoutMethods).valid).toBe(false);
    expect(fits({ ...required, methods: ['sms'] }).valid).toBe(false);

    const done = await client.POST('/auth/login/mfa', {
      body: { mfa_token: required!.mfa_token, code: totpCode(setup.data!.secret, Date.now(), 1) },
    });
    expect(done.response.status, JSON.stringify(done.error)).toBe(200);
  });
});
