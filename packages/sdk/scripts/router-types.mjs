#!/usr/bin/env node
/* global console, process -- Node scripts */
// Writes dist/router.d.ts (and dist/router.js): the server's router as the client sees it, standalone.
//
// `tsc` emits dist/router.d.ts as a re-export of @roster/api's AppRouter, whose type names the server's context
// (ApiDeps: MikroORM's EntityManager, argon2, Redis, …) and its OpenAPI metadata (trpc-to-openapi, zod). A
// declaration bundler would have to copy all of those in. Instead this script asks TypeScript for what the client
// uses — every procedure's kind, input and output, the error shape and the error codes — prints them as plain
// types and writes them over @trpc/server's router types, with an empty context and metadata.
//
// Then it checks its work, and fails the build when:
// - the file does not compile on its own (no @roster/api, lib only): a type was printed by a name it cannot see;
// - a procedure's kind, input or output, the error shape or the error codes differ from the server's;
// - a declaration or module in dist/ names a server-side package.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { distProblems, GENERATED_HEADER } from './dist-check.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const target = join(dist, 'router.d.ts');

function fail(message) {
  console.error(`✗ router-types: ${message}`);
  process.exit(1);
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

// ── 1. The server's types, as the SDK's sources see them ───────────────────────────────────────────────────
const config = ts.getParsedCommandLineOfConfigFile(
  join(root, 'tsconfig.json'),
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => fail(formatDiagnostics([d])),
  },
);
const options = { ...config.options, noEmit: true };
const entry = join(root, 'src', 'router.ts');
const checkFile = join(dist, '__router-check.ts');
let checkSource = '';
// One host for both programs that load the server's types: every declaration file is parsed once.
const host = ts.createCompilerHost(options);
{
  const parsed = new Map();
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => f === checkFile || fileExists.call(host, f);
  host.readFile = (f) => (f === checkFile ? checkSource : readFile.call(host, f));
  host.getSourceFile = (f, ...rest) => {
    if (f === checkFile) return ts.createSourceFile(f, checkSource, ts.ScriptTarget.Latest, true);
    if (f === target) return getSourceFile.call(host, f, ...rest);
    if (!parsed.has(f)) parsed.set(f, getSourceFile.call(host, f, ...rest));
    return parsed.get(f);
  };
}
const program = ts.createProgram({ rootNames: [entry], options, host });
const checker = program.getTypeChecker();
const entryFile = program.getSourceFile(entry);
const invalid = [...program.getSyntacticDiagnostics(entryFile), ...program.getSemanticDiagnostics(entryFile)];
if (invalid.length > 0) fail(`src/router.ts does not compile:\n${formatDiagnostics(invalid)}`);

const exported = new Map(
  checker.getExportsOfModule(checker.getSymbolAtLocation(entryFile)).map((s) => [s.name, s]),
);
function exportedType(name) {
  const symbol = exported.get(name);
  if (!symbol) fail(`src/router.ts does not export ${name}`);
  return checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(symbol));
}
function property(type, name, where) {
  const symbol = checker.getPropertyOfType(type, name);
  if (!symbol) fail(`${where} has no property ${name}`);
  return checker.getTypeOfSymbol(symbol);
}

// ── 2. Print them ──────────────────────────────────────────────────────────────────────────────────────────
const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
const scratch = ts.createSourceFile('print.ts', '', ts.ScriptTarget.Latest);
const flags =
  ts.NodeBuilderFlags.NoTruncation |
  ts.NodeBuilderFlags.InTypeAlias |
  ts.NodeBuilderFlags.MultilineObjectLiterals |
  ts.NodeBuilderFlags.UseStructuralFallback;
/** Used for @trpc/server's own named types, which the generated file imports instead of printing. */
const trpcNames = new Map([['DefaultErrorShape', 'TRPCDefaultErrorShape']]);
const imports = new Set(['TRPCBuiltRouter', 'inferRouterInputs', 'inferRouterOutputs']);

function print(type, indent) {
  const symbol = type.aliasSymbol ?? type.getSymbol();
  const declaration = symbol?.declarations?.[0];
  if (
    symbol &&
    trpcNames.has(symbol.name) &&
    /[\\/]@trpc[\\/]server[\\/]/.test(declaration?.getSourceFile().fileName ?? '')
  ) {
    const name = trpcNames.get(symbol.name);
    imports.add(name);
    return name;
  }
  const node = checker.typeToTypeNode(type, undefined, flags);
  if (!node) fail(`cannot print ${checker.typeToString(type)}`);
  const text = printer.printNode(ts.EmitHint.Unspecified, node, scratch);
  if (text.includes('import(')) fail(`a type prints with an import: ${text}`);
  // The printer indents by four spaces, the rest of the file by two.
  return text.replace(/^( {4})+/gm, (spaces) => ' '.repeat(spaces.length / 2)).replace(/\n/g, `\n${indent}`);
}

const KINDS = {
  query: 'TRPCQueryProcedure',
  mutation: 'TRPCMutationProcedure',
  subscription: 'TRPCSubscriptionProcedure',
};
const procedures = [];

function printRecord(record, path, indent) {
  const lines = ['{'];
  for (const symbol of checker.getPropertiesOfType(record)) {
    const name = symbol.name;
    const at = [...path, name];
    const where = `AppRouter.${at.join('.')}`;
    const type = checker.getTypeOfSymbol(symbol);
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
    const def = checker.getPropertyOfType(type, '_def');
    if (!def) {
      lines.push(`${indent}  ${key}: ${printRecord(type, at, `${indent}  `)};`);
      continue;
    }
    const defType = checker.getTypeOfSymbol(def);
    if (!checker.getPropertyOfType(defType, 'procedure'))
      fail(`${where} is neither a procedure nor a record`);
    if (checker.getPropertyOfType(type, '_observable')) fail(`${where} is an observable subscription`);
    const kind = property(defType, 'type', `${where}._def`);
    if (!kind.isStringLiteral() || !(kind.value in KINDS)) fail(`${where} has an unknown kind`);
    const types = property(defType, '$types', `${where}._def`);
    const inner = `${indent}    `;
    imports.add(KINDS[kind.value]);
    procedures.push(at);
    lines.push(
      `${indent}  ${key}: ${KINDS[kind.value]}<{`,
      `${inner}input: ${print(property(types, 'input', where), inner)};`,
      `${inner}output: ${print(property(types, 'output', where), inner)};`,
      `${inner}meta: object;`,
      `${inner}errorShape: ${print(property(types, 'errorShape', where), inner)};`,
      `${indent}  }>;`,
    );
  }
  lines.push(`${indent}}`);
  return lines.join('\n');
}

const appRouter = exportedType('AppRouter');
const routerDef = property(appRouter, '_def', 'AppRouter');
const rootTypes = property(
  property(routerDef, '_config', 'AppRouter._def'),
  '$types',
  'AppRouter._def._config',
);
const record = printRecord(property(routerDef, 'record', 'AppRouter._def'), [], '');
const errorShape = print(property(rootTypes, 'errorShape', 'the root types'), '  ');
const transformer = print(property(rootTypes, 'transformer', 'the root types'), '  ');
const errorCode = print(exportedType('ErrorCode'), '');
if (procedures.length === 0) fail('AppRouter has no procedures');

const generated = `${GENERATED_HEADER} from @roster/api's AppRouter; do not edit.
// The router as a client sees it: every procedure's kind, input and output. The server's context and
// procedure metadata stay on the server.
import type { ${[...imports].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })).join(', ')} } from '@trpc/server';

/** Roster's root types, for the client: the context and metadata are the server's business. */
export interface RosterRootTypes {
  ctx: object;
  meta: object;
  errorShape: ${errorShape};
  transformer: ${transformer};
}

/** Roster's tRPC router: \`createTRPCClient<AppRouter>\` gives the typed client. */
export type AppRouter = TRPCBuiltRouter<RosterRootTypes, ${record}>;

/** Every procedure's input: \`RouterInputs['users']['list']\`. */
export type RouterInputs = inferRouterInputs<AppRouter>;

/** Every procedure's output: \`RouterOutputs['auth']['me']\`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Every machine-readable error code Roster answers with. */
export type ErrorCode = ${errorCode};
`;

writeFileSync(target, generated);
// The module holds types only; its emitted source map would carry src/router.ts and its import of @roster/api.
writeFileSync(join(dist, 'router.js'), 'export {};\n');
for (const map of ['router.d.ts.map', 'router.js.map']) rmSync(join(dist, map), { force: true });

// ── 3. Check it ────────────────────────────────────────────────────────────────────────────────────────────
const checkOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
  types: [],
  skipLibCheck: false,
};

// On its own: nothing but @trpc/server and the standard library.
{
  const alone = ts.createProgram([target], checkOptions);
  const file = alone.getSourceFile(target);
  const diagnostics = [...alone.getSyntacticDiagnostics(file), ...alone.getSemanticDiagnostics(file)];
  if (diagnostics.length > 0)
    fail(`dist/router.d.ts does not compile on its own:\n${formatDiagnostics(diagnostics)}`);
}

// The same as the server's, procedure by procedure.
{
  const at = (router, path) => `${router}${path.map((p) => `[${JSON.stringify(p)}]`).join('')}`;
  const lines = [
    `import type { AppRouter as Server, ErrorCode as ServerErrorCode } from '@roster/api';`,
    `import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';`,
    `import type { AppRouter as Client, ErrorCode as ClientErrorCode } from './router.js';`,
    `type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;`,
    `type Check<_ extends true> = true;`,
    `type Root<R extends { _def: { _config: { $types: object } } }> = R['_def']['_config']['$types'];`,
    `export type ErrorCodes = Check<Same<ServerErrorCode, ClientErrorCode>>;`,
    `export type ErrorShape = Check<Same<Root<Server>['errorShape'], Root<Client>['errorShape']>>;`,
    `export type Transformer = Check<Same<Root<Server>['transformer'], Root<Client>['transformer']>>;`,
    `export type Inputs = Check<Same<inferRouterInputs<Server>, inferRouterInputs<Client>>>;`,
    `export type Outputs = Check<Same<inferRouterOutputs<Server>, inferRouterOutputs<Client>>>;`,
  ];
  procedures.forEach((path, i) => {
    for (const part of [
      "['type']",
      "['$types']['input']",
      "['$types']['output']",
      "['$types']['errorShape']",
    ]) {
      lines.push(
        `export type P${i}_${part.replace(/\W+/g, '_')} = Check<Same<${at('Server', path)}['_def']${part}, ${at('Client', path)}['_def']${part}>>; // ${path.join('.')}`,
      );
    }
  });
  checkSource = `${lines.join('\n')}\n`;
  const both = ts.createProgram({ rootNames: [entry, checkFile], options, host, oldProgram: program });
  const file = both.getSourceFile(checkFile);
  const diagnostics = [...both.getSyntacticDiagnostics(file), ...both.getSemanticDiagnostics(file)];
  if (diagnostics.length > 0) {
    const checks = checkSource.split('\n');
    const where = diagnostics.map((d) =>
      d.file === file && d.start !== undefined
        ? checks[file.getLineAndCharacterOfPosition(d.start).line]
        : ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    );
    fail(`dist/router.d.ts differs from @roster/api's AppRouter:\n${where.join('\n')}`);
  }
}

// Nothing in dist/ names the server or what it runs on.
const problems = distProblems(dist);
if (problems.length > 0) fail(problems.join('\n'));

console.log(`• dist/router.d.ts: ${procedures.length} procedures, checked against @roster/api`);
