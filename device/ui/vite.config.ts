/**
 * Builds the mirror UI into dist/ (served by the device agent). `npm run ui:dev` serves it with
 * hot reload; /live, /api and /healthz are proxied to an agent on POSE_AGENT_URL (default
 * 127.0.0.1:8787), or open `/?replay=/fixtures/simulated-squats.jsonl` to work without one.
 */
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const agent = process.env.POSE_AGENT_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  publicDir: false,
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 400 },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/live': { target: agent.replace(/^http/, 'ws'), ws: true },
      '/api': agent,
      '/healthz': agent,
    },
  },
});
