import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Built to dist/, which Roster serves at /console (apps/server/src/http/console.ts). `pnpm --filter
// @roster/console dev` serves it with hot reload at http://127.0.0.1:5173/console/, passing /trpc to a Roster
// at ROSTER_URL (default http://127.0.0.1:8000).
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline anything: the console runs under a CSP without 'unsafe-inline'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/trpc': process.env.ROSTER_URL ?? 'http://127.0.0.1:8000' },
  },
});
