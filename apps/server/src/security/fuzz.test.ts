import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, type Session } from '../test/accounts.js';
import { createUser } from '../test/admin.js';
import { http } from '../test/harness.js';
import { startAttackTarget, type AdminSession } from '../test/security.js';

// Property-based fuzzing of every REST operation in the committed openapi.json: inputs generated from the
// documented request schemas and parameters, mixed with malformed ones (wrong types, extra keys, huge strings, odd
// Unicode, non-object bodies). Whatever comes in, the answer is never a 5xx, its status is one the operation
// documents, and its body validates against the schema documented for that status.

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  $ref?: string;
};
type Parameter = { in: 'path' | 'query'; name: string; required?: boolean; schema: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: { 'application/json'?: { schema: Schema } } }>;
  security?: unknown[];
};

const DOC_FILE = fileURLToPath(new URL('../../../../openapi.json', import.meta.url));
const doc = JSON.parse(readFileSync(DOC_FILE, 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc as object, 'openapi');

const pointer = (...tokens: string[]) =>
  tokens.map((t) => encodeURIComponent(t.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

/** The validator of the documented response body for (path, method, status); null when none is documented. */
function responseValidator(path: string, method: string, status: string): ValidateFunction | null {
  const content = doc.paths[path]?.[method]?.responses[status]?.content?.['application/json'];
  if (!content) return null;
  return ajv.compile({
    $ref: `openapi#/${pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')}`,
  });
}

const resolve = (schema: Schema): Schema =>
  schema.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').pop()!]!) : schema;

// ---------------------------------------------------------------------------------------------------------------
// Generators

const ODD = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\u202e',
  '\u200b',
  'é',
  'e\u0301',
  'ｆｕｌｌ',
  '🦀',
  "'; drop table users; --",
  '%00',
  '../../etc/passwd',
  '<script>',
  '{"$ne":null}',
  '__proto__',
];
const oddString = fc.oneof(
  fc.constantFrom(...ODD),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => 'x'.repeat(n)),
);
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  oddString,
  fc.constant({ $ne: null }),
  fc.constant({ $gt: '' }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant(JSON.parse('{"__proto__":{"role":"admin"}}') as unknown),
);

/** Values the schema allows, more or less (patterns and formats approximated, then often broken on purpose). */
function valid(schemaIn: Schema): fc.Arbitrary<unknown> {
  const schema = resolve(schemaIn);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(valid));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min =
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
      return fc.integer({ min, max: Math.min(schema.maximum ?? 1000, min + 100_000) });
    }
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'array':
      return fc.array(valid(schema.items ?? {}), { maxLength: 3 });
    case 'object': {
      const props = Object.entries(schema.properties ?? {});
      const required = new Set(schema.required ?? []);
      return fc.record(Object.fromEntries(props.map(([k, s]) => [k, valid(s)])), {
        requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)),
      });
    }
    case 'string': {
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'email' || /email/i.test(JSON.stringify(schema))) {
        return fc.emailAddress().filter((e) => e.length <= (schema.maxLength ?? 320));
      }
      if (schema.pattern) {
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? 1000));
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 60) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A body: valid, valid with a key broken or added, or not an object at all. */
function bodyArbitrary(schema: Schema | undefined): fc.Arbitrary<{ raw: string }> {
  const base = schema ? valid(schema) : fc.constant({});
  const broken = fc
    .tuple(
      base,
      fc.oneof(
        fc.constantFrom(...Object.keys(resolve(schema ?? {}).properties ?? {}), 'extra', 'role', '__proto__'),
        fc.string({ maxLength: 10 }),
      ),
      wrongValue,
    )
    .map(([b, key, value]) => ({ ...(b as object), [key]: value }));
  const notObject = fc.oneof(
    fc.constantFrom('[]', '[{}]', '1', '"x"', 'null', 'true', '{', '{"a":}', '', '\u0000'),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  );
  return fc.oneof(
    { weight: 3, arbitrary: base.map((b) => ({ raw: JSON.stringify(b) })) },
    { weight: 4, arbitrary: broken.map((b) => ({ raw: JSON.stringify(b) })) },
    { weight: 1, arbitrary: notObject.map((raw) => ({ raw })) },
  );
}

/** A lone surrogate cannot be percent-encoded into a URL path at all (URLSearchParams replaces it instead). */
function encodable(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}

/** Query and path values: documented ones, or anything. */
function paramArbitrary(p: Parameter, ids: number[]): fc.Arbitrary<string | undefined> {
  const documented = valid(p.schema).map((v) => String(v));
  const hostile = fc.oneof(
    oddString,
    wrongValue.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))),
  );
  // URLs stay under Node's 16 KB header limit (past it Node answers 431 itself), and a path segment is never
  // empty (that would be another route, /admin/users/ for /admin/users/{id}).
  const short = hostile.map((v) => v.slice(0, 2000));
  if (p.in === 'path') {
    return fc
      .oneof(fc.constantFrom(...ids.map(String)), documented, short)
      .filter((v) => v !== '' && encodable(v));
  }
  return fc.oneof(fc.constant(undefined), documented, short);
}

// ---------------------------------------------------------------------------------------------------------------

let target: AdminSession;
let user: Session;
let spare: number[];

beforeAll(async () => {
  target = await startAttackTarget();
  user = await registerAndLogin(target.server, 'fuzzer');
  spare = [];
  for (let i = 0; i < 3; i += 1)
    spare.push((await createUser(target.server, target.rootToken, 'spare')).user.id);
});
afterAll(() => target.server.close());

const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({ path, method, op })),
);
// The caller's own account goes last: deactivating it would turn every later case into a 401.
operations.sort(
  (a, b) =>
    Number(a.path === '/users/me' && a.method === 'delete') -
    Number(b.path === '/users/me' && b.method === 'delete'),
);

/** Hashing routes (register, login, set password) cost an argon2 run per valid case: fewer runs there. */
const runsFor = (path: string) => (/register|login|password/.test(path) ? 12 : 25);

describe('fuzzing every REST operation from openapi.json', () => {
  it('the document has the operations this file expects to fuzz', () => {
    expect(operations.length).toBeGreaterThanOrEqual(16);
  });

  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o]))(
    '%s',
    async (_name, { path, method, op }) => {
      const bodySchema = op.requestBody?.content['application/json']?.schema;
      const params = op.parameters ?? [];
      const token = path.startsWith('/admin')
        ? target.rootToken
        : path.startsWith('/auth/') && !path.endsWith('/me')
          ? undefined
          : user.token;
      const documented = Object.keys(op.responses);
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            params: fc.tuple(
              ...params.map((p) => paramArbitrary(p, [...spare, user.user.id, target.root.id])),
            ),
            body: op.requestBody ? bodyArbitrary(bodySchema) : fc.constant(undefined),
            asRegularUser: fc.boolean(),
          }),
          async ({ params: values, body, asRegularUser }) => {
            let url = path;
            const query = new URLSearchParams();
            params.forEach((p, i) => {
              const v = values[i];
              if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v ?? ''));
              else if (v !== undefined) query.set(p.name, v);
            });
            const q = query.toString();
            const res = await http(target.server.url, method.toUpperCase(), `${url}${q ? `?${q}` : ''}`, {
              token: asRegularUser && path.startsWith('/admin') ? user.token : token,
              ...(body ? { body: body.raw, headers: { 'content-type': 'application/json' } } : {}),
            }).catch((error: unknown) => ({ status: -1, body: String(error), headers: new Headers() }));
            const label = `${method.toUpperCase()} ${url}?${q} ${body?.raw.slice(0, 300) ?? ''} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
            expect(res.status, label).toBeGreaterThan(0);
            expect(res.status, label).toBeLessThan(500);
            expect(documented, label).toContain(String(res.status));
            const validate = responseValidator(path, method, String(res.status));
            if (validate)
              expect(validate(res.body), `${label}\n${ajv.errorsText(validate.errors)}`).toBe(true);
            else expect(res.body, label).toBeNull();
          },
        ),
        { numRuns: runsFor(path), endOnFailure: true },
      );
    },
  );
});
