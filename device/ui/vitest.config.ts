/**
 * The mirror UI's tests: components and state in jsdom (test/*.test.ts), and end-to-end runs in
 * headless Chromium against the agent (test/e2e/*.test.ts, node environment, set per file).
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [svelte()],
  // Svelte's browser build (mount, effects) for the jsdom tests.
  resolve: { conditions: ['browser'] },
  test: {
    name: 'ui',
    include: ['test/**/*.test.ts'],
    environment: 'jsdom',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
