/**
 * Serves the phone's pairing page (gateway/phone/): the HTML with the Firebase web settings from
 * the gateway's configuration, and its script bundled by esbuild in memory on first request
 * (no build artefact in the repository; later requests reuse the bundle).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { GatewayConfig } from '../config.ts';

const PHONE_DIR = fileURLToPath(new URL('../../phone/', import.meta.url));

export interface PhonePageSettings {
  apiKey?: string;
  authDomain: string;
  projectId: string;
  authEmulatorUrl?: string;
  /** The gateway's embedded sign-in: the page connects the SDK to its own origin and offers "Create account". */
  localAuth?: boolean;
}

/** Any key does for the embedded sign-in (the Auth emulator ignores it too); the SDK only needs one. */
export const LOCAL_AUTH_API_KEY = 'local-sign-in';

export function phonePageSettings(config: GatewayConfig, opts: { localAuth?: boolean } = {}): PhonePageSettings {
  if (opts.localAuth) return { apiKey: LOCAL_AUTH_API_KEY, authDomain: 'localhost', projectId: config.FIREBASE_PROJECT_ID, localAuth: true };
  return {
    apiKey: config.FIREBASE_WEB_API_KEY,
    authDomain: config.FIREBASE_AUTH_DOMAIN ?? `${config.FIREBASE_PROJECT_ID}.firebaseapp.com`,
    projectId: config.FIREBASE_PROJECT_ID,
    ...(config.FIREBASE_AUTH_EMULATOR_URL ? { authEmulatorUrl: config.FIREBASE_AUTH_EMULATOR_URL } : {}),
  };
}

export function createPhonePage(settings: PhonePageSettings) {
  let script: Promise<string> | undefined;
  let html: Promise<string> | undefined;

  return {
    html(): Promise<string> {
      html ??= readFile(`${PHONE_DIR}index.html`, 'utf8').then((page) =>
        // JSON inside <script>: escape '<' so no value can close the tag.
        page.replace('/*CONFIG*/null', JSON.stringify(settings).replace(/</g, '\\u003c')),
      );
      return html;
    },

    script(): Promise<string> {
      script ??= build({
        entryPoints: [`${PHONE_DIR}src/main.ts`],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        target: 'es2020',
        minify: true,
        legalComments: 'none',
        logLevel: 'silent',
      }).then((r) => r.outputFiles[0]!.text);
      script.catch(() => (script = undefined)); // a failed build is tried again on the next request
      return script;
    },
  };
}

export type PhonePage = ReturnType<typeof createPhonePage>;
