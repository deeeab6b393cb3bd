/**
 * Builds the phone app into dist/ (served by the gateway at /app/; `npm start` builds it).
 * `npm run dev -w gateway/phone-app` serves it with hot reload and proxies /api and
 * /app/config.json to a gateway on POSE_GATEWAY_URL (default 127.0.0.1:8080).
 * The service worker (sw.js) is emitted with the list of files it keeps for offline use.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const gateway = process.env.POSE_GATEWAY_URL ?? 'http://127.0.0.1:8080';

/** sw.js from its template, with this build's files and a version that changes with them. */
function serviceWorker(): Plugin {
  return {
    name: 'pose-coach-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const publicFiles = readdirSync(new URL('./public/', import.meta.url));
      const files = ['', 'index.html', 'config.json', ...publicFiles, ...Object.keys(bundle)].map((f) => `/app/${f}`);
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const template = readFileSync(new URL('./sw/sw.js', import.meta.url), 'utf8');
      const source = template.replace('/*PRECACHE*/[]', JSON.stringify(files)).replace('/*VERSION*/"dev"', JSON.stringify(version));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/app/',
  publicDir: 'public',
  plugins: [svelte(), serviceWorker()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 600 },
  server: { host: '127.0.0.1', proxy: { '/api': gateway, '/app/config.json': gateway } },
});
