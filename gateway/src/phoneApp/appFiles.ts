/**
 * The built phone app (gateway/phone-app, `npm run app:build`) served from its folder under /app/.
 * Hashed bundles are cached for good; the page, the service worker and the manifest are revalidated
 * so a new build reaches phones. Any other path under /app/ is the page (the app routes by hash).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { PhoneAppError } from './phoneAppErrors.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface AppFile {
  body: Buffer;
  type: string;
  cacheControl: string;
}

/** A file's stat, or undefined when there is none; any other failure (permissions, I/O) is thrown. */
async function statIfThere(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

export function createAppFiles(dir: string) {
  const root = normalize(dir + sep);

  async function read(rel: string): Promise<AppFile | undefined> {
    const path = normalize(join(root, rel));
    if (!path.startsWith(root)) return undefined; // no way out of the app's folder
    const info = await statIfThere(path);
    if (!info?.isFile()) return undefined;
    return {
      body: await readFile(path),
      type: TYPES[extname(path)] ?? 'application/octet-stream',
      cacheControl: rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
  }

  return {
    /** `rel` is the path after /app/ (already URL-decoded). */
    async get(rel: string): Promise<AppFile> {
      const file = (rel && (await read(rel))) || (!rel.startsWith('assets/') ? await read('index.html') : undefined);
      if (file) return file;
      if (!(await statIfThere(join(root, 'index.html')))) {
        throw new PhoneAppError('APP_NOT_BUILT', `the phone app is not built in ${dir}: run \`npm run app:build\` (npm start builds it)`);
      }
      throw new PhoneAppError('NOT_FOUND', `no file ${rel} in the phone app`);
    },
  };
}

export type AppFiles = ReturnType<typeof createAppFiles>;
