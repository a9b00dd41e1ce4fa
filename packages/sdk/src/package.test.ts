import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from './test/server.js';

// The SDK as somebody outside this repository gets it: `pnpm pack`, then a fresh project under the system's
// temporary folder (so nothing from the monorepo's node_modules is in reach) that installs only the tarball and
// @trpc/client (npm adds the peers: @trpc/server, and typescript for @trpc/client) and type-checks calls. It
// needs the built SDK (turbo: @roster/sdk#test depends on its build) and npm's registry or cache.
//
// Nothing here touches a database: it runs in the SQLite leg only.

const SDK = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(SDK, '..', '..');
/** Module names the packed files must not import and the fresh project must not install. */
const SERVER_SIDE =
  /^(@roster\/(?!sdk$).*|@mikro-orm\/.*|argon2|koa|@koa\/.*|ioredis|pg|sqlite3|knex|zod|trpc-to-openapi)$/;
/** A quoted module name, as in `from '…'`, `import '…'`, `import('…')`, `require('…')` or `types="…"`. */
const SPECIFIER = /(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+|types\s*=\s*)(['"])([^'"]+)\1/g;
const INSTALL_TIMEOUT_MS = 8 * 60_000;
const TSC_TIMEOUT_MS = 3 * 60_000;

interface Run {
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, timeout: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${error.message}\n${stdout}\n${stderr}`),
        );
      } else resolve({ stdout, stderr });
    });
  });
}

/** The monorepo's version of a package, so that the fresh project checks with what the SDK is built against. */
function versionOf(name: string): string {
  const manifest = createRequire(join(SDK, 'package.json')).resolve(`${name}/package.json`);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** pnpm as run.mjs installs it, else from PATH. */
const PNPM = existsSync(join(ROOT, '.tools', 'node_modules', '.bin', 'pnpm'))
  ? join(ROOT, '.tools', 'node_modules', '.bin', 'pnpm')
  : 'pnpm';

async function filesUnder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  return names.filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

const CONSUMER = `import {
  createRosterClient,
  isRosterError,
  type AppRouter,
  type RosterClient,
  type RosterErrorCode,
  type RouterInputs,
  type RouterOutputs,
} from '@roster/sdk';
import { createTRPCClient, httpBatchLink } from '@trpc/client';

const client: RosterClient = createRosterClient({ url: 'http://127.0.0.1:8000' });

export async function main(): Promise<void> {
  const me = await client.auth.me.query();
  const name: string | null = me.full_name;
  const id: number = me.id;
  const role: 'user' | 'admin' = me.role;
  // @ts-expect-error full_name is a string or null, not a number (and not any)
  const wrongName: number = me.full_name;

  const page = await client.users.list.query({ limit: 5 });
  const firstName: string | undefined = page[0]?.username;
  // @ts-expect-error limit is a number
  await client.users.list.query({ limit: 'five' });
  // @ts-expect-error updateMe is a mutation
  await client.users.updateMe.query({ bio: null });
  // @ts-expect-error there is no such procedure
  await client.users.nope.query();

  const filter: RouterInputs['admin']['listUsers'] = { q: 'ada', role: 'admin', limit: 50 };
  const admins = await client.admin.listUsers.query(filter);
  const total: number | null = admins.total;
  const cursor: string | null = admins.next_cursor;
  // @ts-expect-error role is 'user' or 'admin'
  await client.admin.listUsers.query({ role: 'root' });

  try {
    const login: RouterOutputs['auth']['login'] = await client.login({ username: 'ada', password: 'secret horse' });
    const expires: number = login.expires_in;
    console.log(expires);
  } catch (error) {
    if (!isRosterError(error)) throw error;
    const code: RosterErrorCode = error.code;
    const status: number = error.status;
    // @ts-expect-error not one of Roster's codes
    if (error.code === 'NO_SUCH_CODE') throw error;
    console.log(code, status);
  }

  // The router type drives tRPC's own client too.
  const trpc = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: 'http://127.0.0.1:8000/trpc' })] });
  const sessions = await trpc.auth.sessions.query();
  const current: boolean | undefined = sessions[0]?.current;

  console.log(name, id, role, wrongName, firstName, total, cursor, current);
}
`;

/** Runs in the fresh project with Node: the package loads with its peers only and turns failures into RosterErrors. */
const SMOKE = `import { createRosterClient, isRosterError } from '@roster/sdk';

const client = createRosterClient({ url: process.argv[2] });
try {
  await client.auth.me.query();
  console.log('resolved');
} catch (error) {
  console.log(JSON.stringify({ rosterError: isRosterError(error), code: error.code, status: error.status }));
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023', 'DOM'],
    types: [],
    strict: true,
    noEmit: true,
    noUnusedLocals: false,
  },
  files: ['consumer.ts'],
};

describe.skipIf(process.env.TEST_DB === 'postgresql')('the packed SDK', () => {
  let work = '';
  let tarball = '';
  let project = '';

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'roster-sdk-package-'));
    await run(PNPM, ['pack', '--pack-destination', work], SDK, INSTALL_TIMEOUT_MS);
    const packed = (await readdir(work)).filter((name) => name.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = join(work, packed[0] as string);

    project = join(work, 'consumer');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'roster-sdk-consumer', private: true, type: 'module' }, null, 2),
    );
    // Strict, with the two resolutions an application uses: a bundler's, and Node's own (node16). The bundler
    // project also checks the installed declarations (skipLibCheck: false), so a broken import in them fails
    // instead of turning a type into any; @trpc/server's own declarations need the Disposable types.
    await writeFile(
      join(project, 'tsconfig.bundler.json'),
      JSON.stringify(
        {
          ...TSCONFIG,
          compilerOptions: {
            ...TSCONFIG.compilerOptions,
            module: 'ESNext',
            moduleResolution: 'bundler',
            lib: ['ES2023', 'DOM', 'ESNext.Disposable'],
            skipLibCheck: false,
          },
        },
        null,
        2,
      ),
    );
    await writeFile(
      join(project, 'tsconfig.node16.json'),
      JSON.stringify(
        {
          ...TSCONFIG,
          compilerOptions: {
            ...TSCONFIG.compilerOptions,
            module: 'node16',
            moduleResolution: 'node16',
            skipLibCheck: true,
          },
        },
        null,
        2,
      ),
    );
    await writeFile(join(project, 'consumer.ts'), CONSUMER);
    await writeFile(join(project, 'smoke.mjs'), SMOKE);
    // The tarball and @trpc/client, nothing else from this repository. typescript is @trpc/client's peer: naming
    // the monorepo's version keeps npm from picking the newest and checks with the compiler the SDK is built by.
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--loglevel=error',
        tarball,
        `@trpc/client@${versionOf('@trpc/client')}`,
        `typescript@${versionOf('typescript')}`,
      ],
      project,
      INSTALL_TIMEOUT_MS,
    );
  }, INSTALL_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('declares no dependency on the server or what it runs on', async () => {
    const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json'], work, 60_000);
    const manifest = JSON.parse(stdout) as Record<string, Record<string, string> | undefined>;
    const runtime = [
      'dependencies',
      'peerDependencies',
      'optionalDependencies',
      'bundleDependencies',
    ].flatMap((field) => Object.keys(manifest[field] ?? {}));
    expect(runtime.filter((name) => SERVER_SIDE.test(name))).toEqual([]);
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual([
      '@simplewebauthn/browser',
      '@trpc/client',
      '@trpc/server',
    ]);
    // Only the browser entry (@roster/sdk/passkeys) needs it: optional for everyone else.
    expect(manifest.peerDependenciesMeta).toEqual({ '@simplewebauthn/browser': { optional: true } });
  });

  it('ships only dist/, whose files import nothing but the SDK itself and @trpc', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball], work, 60_000);
    const entries = stdout.split('\n').filter(Boolean);
    expect(entries.filter((e) => !/^package\/(dist\/.+|package\.json|README\.md)$/.test(e))).toEqual([]);
    expect(entries).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/router.d.ts']));

    const installed = join(project, 'node_modules', '@roster', 'sdk');
    const imported = new Set<string>();
    for (const file of await filesUnder(join(installed, 'dist'))) {
      if (!/\.(js|d\.ts)$/.test(file)) continue;
      for (const match of (await readFile(file, 'utf8')).matchAll(SPECIFIER))
        imported.add(match[2] as string);
    }
    const external = [...imported].filter((name) => !name.startsWith('.')).sort();
    expect(external).toEqual([
      '@simplewebauthn/browser',
      '@trpc/client',
      '@trpc/server',
      '@trpc/server/observable',
    ]);
    expect(external.filter((name) => SERVER_SIDE.test(name))).toEqual([]);
  });

  it('installs with its peers only: no server package lands in the project', async () => {
    const modules = join(project, 'node_modules');
    const names: string[] = [];
    for (const entry of await readdir(modules)) {
      if (entry.startsWith('.')) continue;
      if (entry.startsWith('@'))
        names.push(...(await readdir(join(modules, entry))).map((n) => `${entry}/${n}`));
      else names.push(entry);
    }
    expect(names.filter((name) => SERVER_SIDE.test(name))).toEqual([]);
    expect(names).toEqual(expect.arrayContaining(['@roster/sdk', '@trpc/client', '@trpc/server']));
  });

  it.each(['bundler', 'node16'])(
    'type-checks calls and their outputs in a strict project (moduleResolution %s)',
    async (resolution) => {
      const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
      const checked = await run(
        process.execPath,
        [tsc, '-p', `tsconfig.${resolution}.json`],
        project,
        TSC_TIMEOUT_MS,
      )
        .then(() => 'ok')
        .catch((error: Error) => error.message);
      expect(checked).toBe('ok');
    },
    TSC_TIMEOUT_MS + 30_000,
  );

  it('runs with its peers only: a call that gets no answer is a RosterError', async () => {
    const port = await closedPort();
    const { stdout } = await run(
      process.execPath,
      ['smoke.mjs', `http://127.0.0.1:${port}`],
      project,
      60_000,
    );
    expect(JSON.parse(stdout)).toEqual({ rosterError: true, code: 'NETWORK_ERROR', status: 0 });
  });
});
