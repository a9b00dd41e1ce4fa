import { appRouter, restRoutes } from '@roster/api';
import { TRPC_PREFIX } from './trpc.js';

/** The label for requests that match no route: raw paths would give metrics unbounded cardinality. */
const UNMATCHED = 'unmatched';

const FIXED = new Set(['/health', '/health/ready', '/metrics', '/openapi.json', '/docs']);

interface Template {
  method: string;
  path: string;
  pattern: RegExp;
  params: number;
}

/** REST templates, in declaration order. */
export function restTemplates(): Template[] {
  return restRoutes().map(({ method, path }) => ({
    method,
    path,
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    params: (path.match(/\{/g) ?? []).length,
  }));
}

/**
 * What a request is, for logs and metrics: the REST template (`/users/{id}`), the tRPC procedure
 * (`trpc:users.byId`, `trpc:batch` for several), a fixed path, or `unmatched`.
 */
export function routeResolver(): (method: string, path: string) => string {
  // Literal segments beat parameters: `/users/me` before `/users/{id}`.
  const templates = restTemplates().sort((a, b) => a.params - b.params);
  const procedures = new Set(Object.keys(appRouter._def.procedures));
  // Recent answers: the same few paths come again and again (bounded: paths carry ids and arbitrary text).
  const seen = new Map<string, string>();
  return (method, path) => {
    const key = `${method} ${path}`;
    let route = seen.get(key);
    if (route === undefined) {
      if (seen.size >= 1_000) seen.clear();
      route = resolve(method, path);
      seen.set(key, route);
    }
    return route;
  };

  function resolve(method: string, path: string): string {
    if (path === TRPC_PREFIX || path.startsWith(`${TRPC_PREFIX}/`)) {
      const names = path.slice(TRPC_PREFIX.length + 1).split(',');
      if (!names.every((name) => procedures.has(name))) return 'trpc:unknown';
      return names.length > 1 ? 'trpc:batch' : `trpc:${names[0]}`;
    }
    const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
    if (FIXED.has(trimmed)) return trimmed;
    if (path.startsWith('/docs/')) return '/docs';
    const matching = templates.filter((t) => t.pattern.test(path));
    return (matching.find((t) => t.method === method) ?? matching[0])?.path ?? UNMATCHED;
  }
}
