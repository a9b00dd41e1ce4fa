import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { adminRouter } from './routers/admin.js';
import { authRouter } from './routers/auth.js';
import { mfaRouter } from './routers/mfa.js';
import { mfaAdminRouter } from './routers/mfa-admin.js';
import { passkeysRouter } from './routers/passkeys.js';
import { usersRouter } from './routers/users.js';
import { createCallerFactory, mergeRouters, router } from './trpc.js';

export const appRouter = router({
  // Second factors live under auth (auth.mfa.*, auth.passkeys.*), as their REST paths do (/auth/mfa, /auth/passkeys).
  auth: mergeRouters(authRouter, router({ mfa: mfaRouter, passkeys: passkeysRouter })),
  users: usersRouter,
  admin: mergeRouters(adminRouter, mfaAdminRouter),
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const createCaller = createCallerFactory(appRouter);
