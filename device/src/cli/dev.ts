/**
 * `pose-coach dev token <uid> [--name NAME] [--email EMAIL] [--expires S] [--json]`: an ID token
 * the local gateway (`npm start` with its embedded sign-in) accepts, signed with the key in
 * `<GATEWAY_DATA_DIR>/local-auth/` (made there when the gateway has not started yet). Refused when
 * the gateway's environment names a real Firebase project: such tokens come from Firebase only.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const DEV_USAGE = `usage: pose-coach dev token <uid> [--name NAME] [--email EMAIL] [--expires SECONDS] [--json]

  An ID token for the local gateway that \`npm start\` runs with its embedded sign-in, e.g.
    curl -H "Authorization: Bearer $(npx pose-coach dev token demo-user)" \\
         http://127.0.0.1:8080/api/users/demo-user/workout-sessions
  Reads the gateway's environment (GATEWAY_DATA_DIR, FIREBASE_PROJECT_ID, AUTH_MODE, …): run it
  where \`npm start\` runs. Refused when a real Firebase project is configured.`;

export async function devCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, email: { type: 'string' }, expires: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    console.error(`pose-coach dev: ${(err as Error).message}\n\n${DEV_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return console.log(DEV_USAGE), 0;
  const [sub, uid, ...extra] = positionals;
  if (sub !== 'token' || !uid || extra.length) {
    console.error(`pose-coach dev: ${sub !== 'token' ? `unknown command ${JSON.stringify(sub ?? '')}` : !uid ? 'the uid is missing' : `unexpected ${JSON.stringify(extra[0])}`}\n\n${DEV_USAGE}`);
    return 2;
  }
  if (uid.length > 128 || /[/\s]/.test(uid)) {
    console.error('pose-coach dev token: a uid is at most 128 characters, without "/" or spaces');
    return 2;
  }
  const expiresInS = values.expires === undefined ? 3600 : Number(values.expires);
  if (!Number.isInteger(expiresInS) || expiresInS < 1 || expiresInS > 7 * 86400) {
    console.error('pose-coach dev token: --expires takes whole seconds, 1 to 604800');
    return 2;
  }

  const { loadGatewayConfig } = await import('@pose-coach/gateway/config');
  const { createLocalAuth, resolveAuthMode } = await import('@pose-coach/gateway/localAuth');
  const config = loadGatewayConfig();
  const auth = resolveAuthMode(config);
  if (auth.mode !== 'local') {
    console.error(
      `pose-coach dev token: refused: the gateway is configured for a real Firebase project (${auth.why}); its ID tokens come from Firebase Authentication only. ` +
        'dev token works with the embedded local sign-in (AUTH_MODE=local, or auto with none of GOOGLE_APPLICATION_CREDENTIALS, FIREBASE_WEB_API_KEY, FIREBASE_AUTH_EMULATOR_URL, FIREBASE_JWKS_URL set).',
    );
    return 1;
  }
  const local = await createLocalAuth({ dataDir: resolve(config.GATEWAY_DATA_DIR), projectId: config.FIREBASE_PROJECT_ID });
  const idToken = await local.signIdToken(uid, { expiresInS, ...(values.name ? { name: values.name } : {}), ...(values.email ? { email: values.email } : {}) });
  console.log(values.json ? JSON.stringify({ uid, idToken, expiresIn: expiresInS, projectId: config.FIREBASE_PROJECT_ID }) : idToken);
  return 0;
}
