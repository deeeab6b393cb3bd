/**
 * Serves the operators' fleet page (gateway/fleet-ui/, Svelte): the HTML, and its script compiled
 * by the Svelte compiler and bundled by esbuild in memory on first request (no build artefact in
 * the repository). The page holds no data: everything it shows comes from the fleet API, behind
 * the admin token the operator types in.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { compile } from 'svelte/compiler';

const UI_DIR = fileURLToPath(new URL('../../fleet-ui/', import.meta.url));

/** `.svelte` files through the Svelte compiler (TypeScript in `<script lang="ts">` is stripped by it). */
const sveltePlugin: Plugin = {
  name: 'svelte',
  setup(b) {
    b.onLoad({ filter: /\.svelte$/ }, async (a) => {
      const out = compile(await readFile(a.path, 'utf8'), { filename: a.path, generate: 'client', css: 'injected' });
      return { contents: out.js.code, loader: 'js' };
    });
  },
};

export function createFleetPage() {
  let script: Promise<string> | undefined;
  return {
    html: () => readFile(`${UI_DIR}index.html`, 'utf8'),
    script(): Promise<string> {
      script ??= build({
        entryPoints: [`${UI_DIR}src/main.ts`],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        conditions: ['svelte', 'browser'],
        target: 'es2022',
        minify: true,
        legalComments: 'none',
        logLevel: 'silent',
        plugins: [sveltePlugin],
      }).then((r) => r.outputFiles[0]!.text);
      script.catch(() => (script = undefined)); // a failed build is tried again on the next request
      return script;
    },
  };
}
