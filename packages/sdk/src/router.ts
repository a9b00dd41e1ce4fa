/**
 * The server's types, and the SDK's only contact with `@roster/api`: every other module imports them from here.
 *
 * In the monorepo (type-checking, tests) they are the API package's own. The published declarations cannot
 * import `@roster/api` (its router type names the server's context: MikroORM, argon2, Redis, …), so the build
 * replaces `dist/router.d.ts` with a standalone copy that TypeScript expands from these very types and checks
 * against them: every procedure's kind, input and output, the error shape and the error codes, written with
 * `@trpc/server`'s types only (see `scripts/router-types.mjs`).
 */
export type { AppRouter, ErrorCode, RouterInputs, RouterOutputs } from '@roster/api';
