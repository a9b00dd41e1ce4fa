import { z } from 'zod';
import { allowsImpersonation } from './access.js';
import { ERROR_CODES, MFA_METHODS, type ErrorBody, type ErrorCode } from './errors.js';
import type { Meta } from './trpc.js';

/**
 * The error side of the OpenAPI document: the Error schema every error answers with, the shapes of the errors
 * that say more (MFA_REQUIRED), which codes each operation can answer, and its error responses with examples.
 */

export interface ProcedureLike {
  _def: { meta?: Meta; inputs?: unknown[]; output?: unknown; middlewares?: { name: string }[] };
}

export type Response = {
  description?: string;
  content?: Record<string, unknown>;
  headers?: Record<string, unknown>;
};

const errorSchema = z
  .object({
    detail: z.string().meta({ description: 'What went wrong, for people', example: 'User not found' }),
    code: z
      .string()
      .meta({ description: 'What went wrong, for programs (UPPER_SNAKE)', example: 'USER_NOT_FOUND' }),
    issues: z
      .array(
        z.object({
          path: z.array(z.union([z.string(), z.number().int()])),
          message: z.string(),
          code: z.string(),
        }),
      )
      .optional()
      .meta({ description: 'Validation failures (422 only)' }),
  })
  .meta({ id: 'Error' });

const MFA_TOKEN_EXAMPLE = 'c83f59c9iwADvMJ1r4vb1ViQLCC7CjHUEs2qosv3rzA';

/** 401 MFA_REQUIRED (POST /auth/login): the right password of an account with a second factor. */
const mfaRequiredSchema = z
  .object({
    detail: z.string().meta({
      description: 'What went wrong, for people',
      example: ERROR_CODES.MFA_REQUIRED.message,
    }),
    code: z.literal('MFA_REQUIRED').meta({ description: 'What went wrong, for programs' }),
    mfa_token: z.string().meta({
      description:
        'Names the pending login: single use, five minutes. Complete it at POST /auth/login/mfa (with a code or ' +
        'a recovery code) or POST /auth/login/mfa/webauthn/options and …/verify (with a passkey)',
      example: MFA_TOKEN_EXAMPLE,
    }),
    methods: z.array(z.enum(MFA_METHODS)).meta({
      description:
        'The second factors this account can complete the login with: `totp` (a code from the authenticator ' +
        'app), `recovery_code`, `webauthn` (a passkey)',
      example: ['totp', 'recovery_code', 'webauthn'],
    }),
  })
  .meta({
    id: 'MfaRequiredError',
    description: 'The password was right, but the account has a second factor: no session yet, a second step',
  });

/** The schemas the error responses refer to, by component name. */
export const ERROR_SCHEMAS = { Error: errorSchema, MfaRequiredError: mfaRequiredSchema };

/** An error whose body says more than {detail, code}: the component that describes it, an example, a note. */
interface ShapedError {
  schema: keyof typeof ERROR_SCHEMAS;
  example: ErrorBody;
  /** Said in the description of the responses that can carry it. */
  note: string;
}

const ERROR_BODIES: Partial<Record<ErrorCode, ShapedError>> = {
  MFA_REQUIRED: {
    schema: 'MfaRequiredError',
    note: 'MFA_REQUIRED adds `mfa_token` and `methods` (the MfaRequiredError schema)',
    example: {
      detail: ERROR_CODES.MFA_REQUIRED.message,
      code: 'MFA_REQUIRED',
      mfa_token: MFA_TOKEN_EXAMPLE,
      methods: ['totp', 'recovery_code', 'webauthn'],
    },
  },
};

const ref = (name: keyof typeof ERROR_SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });

const invalid = (field: string, message: string, code: string): ErrorBody => ({
  detail: ERROR_CODES.VALIDATION_ERROR.message,
  code: 'VALIDATION_ERROR',
  issues: [{ path: [field], message, code }],
});
const INVALID_BODY = invalid('email', 'Invalid email address', 'invalid_format');
const INVALID_ID = invalid('id', 'Invalid input: expected number, received string', 'invalid_type');
const INVALID_QUERY = invalid('limit', 'Too big: expected number to be <=100', 'too_big');
const EITHER_CODE = invalid('code', 'Send either code or recovery_code', 'custom');
const BAD_CODE = invalid('code', 'Expected the 6 digits the authenticator app shows', 'invalid_format');
const NO_PASSWORD = invalid('password', 'Invalid input: expected string, received undefined', 'invalid_type');
const NO_RESPONSE = invalid('response', 'Invalid input: expected object, received undefined', 'invalid_type');
const NO_TOKEN = invalid('mfa_token', 'Invalid input: expected string, received undefined', 'invalid_type');
const MFA_VALIDATION_EXAMPLES: Record<string, ErrorBody> = {
  'post /auth/login/mfa': EITHER_CODE,
  'post /auth/mfa/totp/setup': NO_PASSWORD,
  'post /auth/mfa/totp/confirm': BAD_CODE,
  'post /auth/mfa/recovery-codes': EITHER_CODE,
  'post /auth/mfa/totp/disable': EITHER_CODE,
  'post /auth/login/mfa/webauthn/options': NO_TOKEN,
  'post /auth/login/mfa/webauthn/verify': NO_RESPONSE,
  'post /auth/passkeys/register/verify': NO_RESPONSE,
  'post /auth/passkeys/login/verify': NO_RESPONSE,
  'post /auth/passkeys/{id}/delete': NO_PASSWORD,
  'patch /auth/passkeys/{id}': invalid(
    'name',
    'Too small: expected string to have >=1 characters',
    'too_small',
  ),
};
/** Validation examples worded for one operation's input (every other example comes from the error tables). */
const VALIDATION_EXAMPLES: Record<string, ErrorBody> = {
  'delete /auth/sessions/{id}': invalid('id', 'Not a session id', 'invalid_format'),
  'post /auth/login': invalid('username', 'username (or email) is required', 'custom'),
  'post /admin/users/{id}/password': invalid(
    'password',
    'Too small: expected string to have >=8 characters',
    'too_small',
  ),
  ...MFA_VALIDATION_EXAMPLES,
};

const RETRY_AFTER = {
  description: 'Seconds to wait before trying again',
  schema: { type: 'integer', minimum: 1 },
};

/** The names of a procedure's middlewares (`isAuthed`, `isAdmin`, `rateLimited`, …: see trpc.ts). */
function middlewareNames(def: ProcedureLike['_def']): Set<string> {
  return new Set((def.middlewares ?? []).map((m) => m.name));
}

/**
 * Every error code an operation can answer with: the ones its meta declares (`errors`, its domain's), and the
 * ones that follow from how it is built — authentication (isAuthed), the admin role (isAdmin), a rate limit
 * (rateLimited), an input to validate, a body to parse — and the generic 500.
 */
export function errorCodesOf(def: ProcedureLike['_def'], method: string): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  const middlewares = middlewareNames(def);
  if (middlewares.has('isAuthed')) codes.add('NOT_AUTHENTICATED').add('INVALID_TOKEN');
  if (middlewares.has('isAdmin')) codes.add('FORBIDDEN').add('MFA_ENROLLMENT_REQUIRED');
  for (const code of def.meta?.errors ?? []) codes.add(code);
  if (middlewares.has('isAuthed')) {
    // Other credentials than a login (access.ts): API keys, limited per key, and impersonation tokens.
    if (def.meta?.scope) codes.add('INSUFFICIENT_SCOPE').add('RATE_LIMITED');
    else codes.add('FORBIDDEN_FOR_API_KEY');
    if (!allowsImpersonation(def.meta)) codes.add('FORBIDDEN_WHILE_IMPERSONATING');
  }
  const input = def.inputs?.[0];
  if (input instanceof z.ZodType && !(input instanceof z.ZodVoid)) codes.add('VALIDATION_ERROR');
  if (method === 'post' || method === 'put' || method === 'patch') {
    codes.add('MALFORMED_REQUEST').add('PAYLOAD_TOO_LARGE').add('UNSUPPORTED_MEDIA_TYPE');
  }
  if (middlewares.has('rateLimited')) codes.add('RATE_LIMITED');
  codes.add('INTERNAL_SERVER_ERROR');
  return [...codes];
}

/** The example body of one code in an operation's error responses. */
function exampleOf(code: ErrorCode, method: string, path: string): ErrorBody {
  if (code === 'VALIDATION_ERROR') {
    const fallback =
      method === 'get' || method === 'delete'
        ? path.endsWith('{id}')
          ? INVALID_ID
          : INVALID_QUERY
        : INVALID_BODY;
    return VALIDATION_EXAMPLES[`${method} ${path}`] ?? fallback;
  }
  return ERROR_BODIES[code]?.example ?? { detail: ERROR_CODES[code].message, code };
}

/**
 * The body of a status's response: the Error schema with the first code's example or, when a code of that status
 * says more than {detail, code}, one of the shapes (`oneOf`: Error has no room for the extra fields) with an
 * example of each code, named by it.
 */
function errorMediaOf(codes: ErrorCode[], method: string, path: string): Record<string, unknown> {
  const shaped = codes.filter((code) => ERROR_BODIES[code]);
  if (shaped.length === 0) return { schema: ref('Error'), example: exampleOf(codes[0]!, method, path) };
  const names = new Set(codes.map((code) => ERROR_BODIES[code]?.schema ?? 'Error'));
  const schemas = [...names].map(ref);
  const examples = Object.fromEntries(
    codes.map((code) => [code, { summary: ERROR_CODES[code].message, value: exampleOf(code, method, path) }]),
  );
  return { schema: schemas.length === 1 ? schemas[0] : { oneOf: schemas }, examples };
}

/**
 * Each operation's error responses, generated from the error tables: per status, the codes it can answer with
 * and their messages as the description, their body (errorMediaOf), and Retry-After on 429.
 */
export function errorResponsesOf(
  method: string,
  path: string,
  def: ProcedureLike['_def'],
): Record<string, Response> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(def, method)) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, Response> = {};
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const codes = byStatus.get(status)!;
    const notes = codes.flatMap((code) => ERROR_BODIES[code]?.note ?? []);
    const description = [
      codes.map((code) => `${ERROR_CODES[code].message} (${code})`).join('; '),
      ...notes,
    ].join('. ');
    const content = { 'application/json': errorMediaOf(codes, method, path) };
    responses[String(status)] = { description, content };
    if (status === 429) responses[String(status)]!.headers = { 'Retry-After': RETRY_AFTER };
  }
  return responses;
}
