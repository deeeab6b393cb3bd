/**
 * The mirror's daemon, wired as named steps: outbox → live server → MQTT link + drainer →
 * pipeline (poses → coach → events → outbox) → telemetry → watchdog. `stop()` undoes them in
 * reverse, closing and saving the session in progress first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CommandAck, LastUpdate, LiveEventInput, PairingMessage, SessionPayload } from '@pose-coach/protocol';
import { createLink, readCredentials, type Link, type LinkState } from '../link/index.ts';
import { createDrainer, InvalidSessionError, openSqliteOutbox, type Drainer } from '../outbox/index.ts';
import { createPairingClient, createPairingFlow, gatewayHttpUrlFrom, type PairingFlow, type PairingView } from '../pairing/index.ts';
import { runCommand } from './commands.ts';
import { ConfigError, type AgentConfig } from './config.ts';
import { applyDesired, reportedConfig } from './liveConfig.ts';
import { startLiveServer, type LiveServer } from './liveServer.ts';
import { unpairAction } from './unpairAction.ts';
import type { CoachFactory, PoseFrame, PoseSource } from './ports.ts';
import { SessionTracker, type TrackerEvent } from './sessionTracker.ts';
import { collectTelemetry, FrameStats, readCpuTempC } from './telemetry.ts';
import { startWatchdog } from './watchdog.ts';
import { credentialsByClaim } from '../fleet/claimCredentials.ts';
import { RUNNING_APP, updateAction } from './updateAction.ts';
import { commitApp, currentModelRelease, pendingForTree, readLastUpdate, runningAppRelease } from '../fleet/updateState.ts';

export const APP_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** No frame for this long: the pipeline is stuck (health 503, watchdog withheld). */
const STALL_MS = 10_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Frames a release must see (through inference, where the source runs one) to count as healthy. */
const HEALTHY_FRAMES = 10;
/** Coach settings a new coach takes: now when no session is open, else when the open one ends. */
const NEXT_SESSION_KEYS: readonly string[] = ['coach.idleEndS', 'coach.exercises', 'coach.thresholds', 'coach.cueLanguage'];

export interface AgentDeps {
  config: AgentConfig;
  log: Logger;
  source: PoseSource;
  createCoach: CoachFactory;
  env?: NodeJS.ProcessEnv;
  /** The config file the agent was started with (an app release's self-test loads it too). */
  configFile?: string;
  /** The process's way to restart the agent (the `restart-agent` fleet command); absent: no such command. */
  onRestart?(): void;
  /** The app tree this agent runs from (default: this source tree); an app release on probation is judged by it. */
  appTree?: string;
}

export interface Agent {
  readonly url: string;
  readonly deviceId: string;
  readonly live: LiveServer;
  readonly log: Logger;
  endSession(reason?: string): { sessionId?: string; saved: boolean };
  restartSource(): void;
  diagnostics(): Record<string, unknown>;
  stop(reason?: string): Promise<void>;
}

export async function createAgent(deps: AgentDeps): Promise<Agent> {
  const { log, source } = deps;
  let config = deps.config;
  const startedAt = Date.now();
  const stats = new FrameStats();
  let sourceEnded = false;
  let sourceError: string | undefined;

  // Step: the outbox, before anything can produce a session.
  const outbox = openSqliteOutbox(join(config.dataDir, 'outbox.db'), config.outbox, {
    onCorrupt: (movedTo, error) => log.error({ movedTo, error }, 'outbox database damaged: moved aside, starting an empty one'),
  });
  const pruned = outbox.prune();
  if (pruned.pending) log.error({ dropped: pruned.pending }, 'outbox over its maxPending cap: oldest waiting sessions dropped');
  const pruneTimer = setInterval(() => outbox.prune(), PRUNE_EVERY_MS);
  pruneTimer.unref();

  // Step: identity and trust, checked before anything listens.
  if (config.mqtt.url.startsWith('mqtts:') && !config.mqtt.caFile) {
    throw new ConfigError(`mqtt.caFile (env POSE_AGENT_MQTT_CA_FILE): required with ${config.mqtt.url}, the gateway's CA is pinned`);
  }
  if (config.mqtt.caFile && !existsSync(config.mqtt.caFile)) {
    throw new ConfigError(`mqtt.caFile (env POSE_AGENT_MQTT_CA_FILE): ${config.mqtt.caFile} does not exist`);
  }
  // A mirror with a claim token and no credentials yet trades the claim for them first (once).
  const creds =
    config.mqtt.url && config.mqtt.credentialsFile
      ? config.mqtt.claimTokenFile
        ? (
            await credentialsByClaim({
              gatewayHttpUrl: config.mqtt.gatewayHttpUrl || gatewayHttpUrlFrom(config.mqtt.url),
              credentialsFile: config.mqtt.credentialsFile,
              claimTokenFile: config.mqtt.claimTokenFile,
              describe: { model: config.inference.model, appVersion: APP_VERSION },
              ...(config.mqtt.caFile ? { ca: readFileSync(config.mqtt.caFile) } : {}),
            })
          ).credentials
        : readCredentials(config.mqtt.credentialsFile)
      : undefined;
  const deviceId = creds?.deviceId ?? config.mqtt.deviceId;
  if (config.fleet.releaseKeyFile && !existsSync(config.fleet.releaseKeyFile)) {
    throw new ConfigError(`fleet.releaseKeyFile (env POSE_AGENT_FLEET_RELEASE_KEY_FILE): ${config.fleet.releaseKeyFile} does not exist`);
  }
  const releaseKeyPem = config.fleet.releaseKeyFile ? readFileSync(config.fleet.releaseKeyFile, 'utf8') : undefined;

  let linkState: LinkState | 'disabled' = config.mqtt.url ? 'connecting' : 'disabled';
  let linkError: string | undefined;
  let pairing: PairingMessage | undefined;
  let pairingView: PairingView = { kind: 'unknown' };
  let lastSyncedAt: string | undefined;
  /** Version of the last config/desired applied (0: none yet), echoed on config/reported. */
  let configVersion = 0;
  const tracker = new SessionTracker({
    createCoach: deps.createCoach,
    exercise: () => config.coach.exercise,
    idleEndS: () => config.coach.idleEndS,
    minReps: () => config.coach.minReps,
    settings: () => ({ exercises: config.coach.exercises, thresholds: config.coach.thresholds, cueLanguage: config.coach.cueLanguage }),
    extra: () => ({
      appVersion: APP_VERSION,
      ...(source.model ? { model: source.model } : {}),
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      ...(pairing?.pairingId ? { pairingId: pairing.pairingId } : {}),
      ...(source.simulated ? { simulated: true as const } : {}),
    }),
  });

  const linkEvent = (): LiveEventInput => ({
    type: 'link',
    state: linkState,
    ...(pairing ? { paired: pairing.paired, ...(pairing.displayName ? { displayName: pairing.displayName } : {}) } : {}),
    ...(linkError ? { lastError: linkError } : {}),
    ...(pairingView.kind === 'showing-code' ? { pairingCode: pairingView.code, pairingUrl: pairingView.url } : {}),
    ...(pairingView.kind === 'confirm-unpair' ? { unpairConfirmUntil: new Date(pairingView.until).toISOString() } : {}),
  });
  const outboxEvent = (): LiveEventInput => {
    const d = outbox.depth();
    return { type: 'outbox', pending: d.pending, unpaired: d.unpaired, quarantined: d.quarantined, ...(lastSyncedAt ? { lastSyncedAt } : {}) };
  };
  const sessionEvent = (): LiveEventInput => {
    const cur = tracker.current;
    return cur ? { type: 'session', state: 'active', ...cur } : { type: 'session', state: 'idle' };
  };
  const framesFlowing = () => Date.now() - (stats.lastFrameAt || startedAt) < STALL_MS;
  // Health (503 when false): frames are arriving, or a finite video has ended.
  const healthy = () => sourceEnded || framesFlowing();
  // Watchdog: the pipeline is not hung. A camera being retried is known trouble, not a hang;
  // restarting the agent would not bring the camera back.
  const alive = () => healthy() || sourceError !== undefined;
  // Fleet health, what a new release must reach: connected, and frames (through inference) flowing.
  const fleetHealthy = () => linkState === 'online' && framesFlowing() && stats.frames >= HEALTHY_FRAMES && sourceError === undefined;
  const appTree = deps.appTree ?? RUNNING_APP;
  let lastUpdate: LastUpdate | undefined = readLastUpdate(config.dataDir);

  // Step: the live server (health, history, UI, WebSocket).
  const live = await startLiveServer({
    host: config.http.host,
    port: config.http.port,
    uiDir: config.http.uiDir,
    outbox,
    health: () => ({
      ok: healthy(),
      deviceId,
      source: source.kind,
      simulated: source.simulated,
      fps: stats.fps(),
      link: linkState,
      outbox: outbox.depth(),
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      ...(sourceError ? { sourceError } : {}),
    }),
    snapshot: () => [
      { type: 'hello', deviceId, appVersion: APP_VERSION, source: source.kind, simulated: source.simulated, exercise: config.coach.exercise },
      sessionEvent(),
      linkEvent(),
      outboxEvent(),
    ],
    // The pairing flow exists only once the link is set up below; looked up per call.
    actions: { '/api/pairing/unpair': unpairAction(() => pairingFlow) },
  });

  // Step: the MQTT link and the drainer that empties the outbox through it.
  let link: Link | undefined;
  const drainer: Drainer = createDrainer({
    store: outbox,
    send: (payload) => (link ? link.publishSession(payload) : Promise.reject(new Error('no link'))),
    windowSize: config.outbox.windowSize,
    ackTimeoutMs: config.outbox.ackTimeoutS * 1000,
    unpairedRetryMs: config.outbox.unpairedRetryS * 1000,
    log,
    onChange: () => live.broadcast(outboxEvent()),
    onAckApplied: (_ack, outcome) => {
      if (outcome === 'released') lastSyncedAt = new Date().toISOString();
    },
  });
  const commandHandlers = {
    'restart-camera': () => (restartSource(), { source: source.description }),
    'end-session': () => endSession('remote command'),
    diagnostics: () => diagnostics(),
    // Signed model and app releases from a rollout (updateAction.ts): verified, swapped in, self-tested, rolled back on failure.
    ...(releaseKeyPem && creds
      ? {
          update: updateAction({
            config,
            log: log.child({ part: 'update' }),
            gatewayHttpUrl: config.mqtt.gatewayHttpUrl || gatewayHttpUrlFrom(config.mqtt.url),
            deviceId,
            secret: creds.secret,
            publicKeyPem: releaseKeyPem,
            activateModels,
            onOutcome: (u) => {
              lastUpdate = u;
              sendTelemetry();
            },
            ...(config.mqtt.caFile ? { ca: readFileSync(config.mqtt.caFile) } : {}),
            ...(deps.configFile ? { configFile: deps.configFile } : {}),
            ...(deps.onRestart ? { onRestart: deps.onRestart } : {}),
          }),
        }
      : {}),
    // Acknowledged first, then the process restarts (the ack is on its way after the handler returns).
    ...(deps.onRestart ? { 'restart-agent': () => (setTimeout(() => deps.onRestart!(), 500).unref(), { restarting: true }) } : {}),
  };
  // Step: QR pairing (device/src/pairing): while unpaired, a code and its link on the glass.
  const pairingFlow: PairingFlow | undefined =
    config.mqtt.url && creds
      ? createPairingFlow({
          client: createPairingClient({
            baseUrl: config.mqtt.gatewayHttpUrl || gatewayHttpUrlFrom(config.mqtt.url),
            deviceId,
            secret: creds.secret,
            ...(config.mqtt.caFile ? { ca: readFileSync(config.mqtt.caFile) } : {}),
          }),
          log: log.child({ part: 'pairing' }),
          confirmWindowMs: config.mqtt.unpairConfirmS * 1000,
          onChange: (view) => {
            pairingView = view;
            live.broadcast(linkEvent());
          },
        })
      : undefined;
  if (config.mqtt.url) {
    link = createLink({
      url: config.mqtt.url,
      deviceId,
      ...(creds ? { password: creds.secret } : {}),
      ...(config.mqtt.caFile ? { ca: readFileSync(config.mqtt.caFile) } : {}),
      keepaliveS: config.mqtt.keepaliveS,
      backoff: { minMs: config.mqtt.reconnectMinMs, maxMs: config.mqtt.reconnectMaxMs },
      log: log.child({ part: 'link' }),
      handlers: {
        onState: (state, error) => {
          linkState = state;
          linkError = state === 'online' ? undefined : (error ?? linkError);
          drainer.setOnline(state === 'online');
          if (state === 'online') {
            link?.publishConfigReported({ version: configVersion, config: reportedConfig(config) }).catch(() => undefined);
            sendTelemetry(); // at once: versions, health and the last update's outcome reach the fleet without waiting a period
          }
          live.broadcast(linkEvent());
        },
        onAck: (ack) => drainer.onAck(ack),
        onPairing: (p) => {
          pairing = p;
          drainer.onPairing(p.paired);
          pairingFlow?.setPaired(p.paired, p.displayName);
          live.broadcast(linkEvent());
        },
        onConfigDesired: (desired) => {
          const r = applyDesired(config, desired);
          if (r.ok) {
            config = r.config;
            configVersion = desired.version;
            log.level = config.logLevel;
            if (r.changed.includes('telemetry.intervalS')) armTelemetry();
            if (r.changed.includes('coach.exercise')) handle(tracker.setExercise(), Date.now());
            else if (r.changed.some((k) => NEXT_SESSION_KEYS.includes(k))) tracker.reconfigure();
            if (r.changed.some((k) => k.startsWith('source.'))) applyCameraSettings();
            log.info({ version: desired.version, changed: r.changed }, 'applied config/desired');
          } else log.warn({ version: desired.version, error: r.error }, 'refused config/desired');
          void link
            ?.publishConfigReported({ version: desired.version, config: reportedConfig(config), ...(r.ok ? {} : { error: r.error }) })
            .catch(() => undefined);
        },
        onCommand: (cmd) => {
          void runCommand(cmd, commandHandlers).then((ack: CommandAck) => {
            log.info({ id: cmd.id, name: cmd.name, ok: ack.ok }, 'command');
            return link?.publishCommandAck(ack).catch((err: Error) => log.warn({ id: cmd.id, err: err.message }, 'cmd/ack not sent'));
          });
        },
      },
    });
  }

  function saveSession(payload: SessionPayload): void {
    try {
      outbox.put(payload);
    } catch (err) {
      // The gateway would refuse it too: keep it visible in the quarantine instead of losing it.
      if (!(err instanceof InvalidSessionError)) throw err;
      outbox.quarantineLocally(payload, err.message);
      log.error({ sessionId: payload.sessionId, err: err.message }, 'session invalid; quarantined on the mirror');
      live.broadcast(outboxEvent());
      return;
    }
    log.info({ sessionId: payload.sessionId, reps: payload.reps, exercise: payload.exercise }, 'session saved to the outbox');
    live.broadcast(outboxEvent());
    drainer.kick();
  }

  function handle(events: TrackerEvent[], frameAt: number): void {
    for (const e of events) {
      if (e.type === 'rep') live.broadcast({ type: 'rep', frameAt, sessionId: e.sessionId, exercise: e.exercise, count: e.count, score: e.score, cues: e.cues });
      else if (e.type === 'cue') live.broadcast({ type: 'cue', frameAt, text: e.text, severity: e.positive ? 'info' : 'warn' });
      else if (e.type === 'session-start') live.broadcast({ type: 'session', state: 'active', sessionId: e.sessionId, exercise: config.coach.exercise, startedAt: e.startedAt, reps: 0 });
      else {
        if (e.payload) saveSession(e.payload);
        else log.info({ sessionId: e.sessionId, reason: e.reason }, 'session too short to keep');
        live.broadcast({ type: 'session', state: 'ended', sessionId: e.sessionId, ...(e.payload ? { summary: e.payload, reps: e.payload.reps } : {}) });
        live.broadcast({ type: 'session', state: 'idle' });
      }
    }
  }

  function poseEvent(f: PoseFrame): LiveEventInput {
    return {
      type: 'pose',
      frameAt: f.frameAt,
      keypoints: f.keypoints.map((k) => ({ name: k.name, x: k.x / f.width, y: k.y / f.height, score: Math.min(1, Math.max(0, k.score)) })),
      score: Math.min(1, Math.max(0, f.score)),
      inferenceMs: f.inferenceMs,
      fps: stats.fps(f.frameAt),
      simulated: source.simulated,
      width: f.width,
      height: f.height,
    };
  }

  // Step: the pipeline. Restarts the source after a failure (a camera unplugged) with a backoff.
  let pipelineAbort = new AbortController();
  let stopping = false;
  async function runPipeline(): Promise<void> {
    let failures = 0;
    while (!stopping) {
      const abort = pipelineAbort;
      try {
        sourceEnded = false;
        const hooks = {
          onSourceError: (message: string | undefined) => {
            sourceError = message;
            if (message) log.warn({ err: message }, 'camera failed; retrying');
          },
        };
        for await (const frame of source.poses(abort.signal, hooks)) {
          if (stopping) break; // the session was closed for shutdown: no new one may start
          stats.record(frame.frameAt, frame.inferenceMs);
          failures = 0;
          sourceError = undefined;
          live.broadcast(poseEvent(frame));
          handle(tracker.push(frame), frame.frameAt);
        }
        if (abort.signal.aborted) {
          if (stopping) return;
          // restart-camera: a new stream, so a new coach (stream time starts again).
          handle(tracker.restart('camera restarted'), Date.now());
          pipelineAbort = new AbortController();
          continue;
        }
        sourceEnded = true;
        log.info({ source: source.description }, 'frame source ended');
        handle(tracker.end('source ended'), Date.now());
        return;
      } catch (err) {
        if (stopping) return;
        sourceError = (err as Error).message;
        const wait = Math.min(30_000, 1000 * 2 ** failures++);
        log.error({ err: sourceError, retryInMs: wait }, 'frame source failed');
        await new Promise((r) => setTimeout(r, wait));
        if (abort.signal.aborted) pipelineAbort = new AbortController();
      }
    }
  }
  const pipeline = runPipeline();

  function endSession(reason = 'ended on request'): { sessionId?: string; saved: boolean } {
    const events = tracker.end(reason);
    handle(events, Date.now());
    const end = events.find((e) => e.type === 'session-end');
    return end && end.type === 'session-end' ? { sessionId: end.sessionId, saved: Boolean(end.payload) } : { saved: false };
  }
  function restartSource(): void {
    log.info({ source: source.description }, 'restarting the frame source');
    pipelineAbort.abort();
  }
  // Camera settings changed live: the source takes them and restarts (restart-camera); a source without camera settings ignores them.
  function applyCameraSettings(): void {
    const { fps, width, height } = config.source;
    if (!source.configure) return void log.info({ source: source.description, fps, width, height }, 'camera settings ignored: the source has none');
    source.configure({ fps, width, height });
    restartSource();
  }
  /** What the fleet shows of this mirror's releases. */
  function releaseFields() {
    const appRelease = runningAppRelease(config.dataDir, appTree);
    const modelRelease = currentModelRelease(config.dataDir);
    return { ...(appRelease ? { appRelease } : {}), ...(modelRelease ? { modelRelease } : {}), healthy: fleetHealthy(), ...(lastUpdate ? { lastUpdate } : {}) };
  }
  /**
   * A model release swapped in behind `model-current`: between sessions, the estimator is dropped
   * and the source restarted, so the next frames run through the new models; resolves once
   * HEALTHY_FRAMES of them arrived, rejects when they do not within fleet.modelCheckS.
   */
  async function activateModels(): Promise<void> {
    if (!source.reloadModels) return; // no inference here (simulation)
    const link = join(config.dataDir, 'releases', 'model-current');
    // The models package finds its files through this variable (startAgent sets it likewise at start).
    const env = process.env.POSE_COACH_MODELS_DIR;
    if (env && env !== link) return void log.warn({ modelsDir: env }, 'POSE_COACH_MODELS_DIR is set: the fleet model release is not used');
    if (existsSync(link)) process.env.POSE_COACH_MODELS_DIR = link;
    else delete process.env.POSE_COACH_MODELS_DIR;
    while (tracker.current && !stopping) await new Promise((r) => setTimeout(r, 1000)); // never mid-workout
    const deadline = Date.now() + config.fleet.modelCheckS * 1000;
    const from = stats.frames;
    source.reloadModels();
    restartSource();
    log.info({ modelsDir: link }, 'models swapped in between sessions');
    while (Date.now() < deadline) {
      if (stats.frames - from >= HEALTHY_FRAMES && sourceError === undefined && framesFlowing()) return;
      if (stopping) throw new Error('the agent is stopping');
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${stats.frames - from} frame(s) within ${config.fleet.modelCheckS} s${sourceError ? `, ${sourceError}` : ''}`);
  }

  function diagnostics(): Record<string, unknown> {
    const mem = process.memoryUsage();
    return {
      deviceId,
      appVersion: APP_VERSION,
      node: process.version,
      source: { kind: source.kind, description: source.description, simulated: source.simulated, ended: sourceEnded, error: sourceError },
      model: source.model,
      ...releaseFields(),
      fps: stats.fps(),
      inferenceMs: stats.inferenceMs(),
      framesSeen: stats.frames,
      session: tracker.current ?? null,
      link: { state: linkState, clientId: link?.clientId, error: linkError, paired: pairing?.paired ?? null },
      outbox: { ...outbox.depth(), inFlight: drainer.inFlight(), lastSyncedAt },
      memoryMb: { rss: Math.round(mem.rss / 1e6), heapUsed: Math.round(mem.heapUsed / 1e6) },
      cpuTempC: readCpuTempC() ?? null,
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      liveClients: live.clients(),
    };
  }

  // Step: telemetry, re-armed when its interval changes live.
  let telemetryTimer: NodeJS.Timeout | undefined;
  function sendTelemetry(): void {
    if (linkState !== 'online') return;
    link?.publishTelemetry(collectTelemetry({ stats, outboxDepth: outbox.depth().pending, model: source.model ?? 'simulation', appVersion: APP_VERSION, startedAt, extra: releaseFields() }));
  }
  function armTelemetry(): void {
    clearInterval(telemetryTimer);
    telemetryTimer = setInterval(sendTelemetry, config.telemetry.intervalS * 1000);
    telemetryTimer.unref();
  }
  armTelemetry();

  // Step: an app release on probation (updateState.ts) is made permanent once this agent runs healthy from it.
  const probation = pendingForTree(config.dataDir, appTree);
  const probationTimer = probation
    ? setInterval(() => {
        if (!fleetHealthy()) return;
        clearInterval(probationTimer);
        lastUpdate = commitApp(config.dataDir, probation);
        log.info({ release: `app-${probation.version}`, kind: 'app', version: probation.version, outcome: 'healthy' }, 'app release healthy: kept');
        sendTelemetry();
      }, 500)
    : undefined;
  if (probation) log.info({ release: `app-${probation.version}`, version: probation.version, deadlineS: probation.deadlineS }, 'app release on probation until healthy');

  // Step: systemd.
  const watchdog = startWatchdog({ env: deps.env, healthy: alive, log });
  watchdog.ready(`serving ${live.url}, source ${source.kind}`);
  log.info({ url: live.url, deviceId, source: source.description, link: config.mqtt.url || 'disabled', depth: outbox.depth() }, 'agent started');

  let stopped: Promise<void> | undefined;
  return {
    url: live.url,
    deviceId,
    live,
    log,
    endSession,
    restartSource,
    diagnostics,
    stop(reason = 'stop') {
      stopped ??= (async () => {
        log.info({ reason }, 'agent stopping');
        watchdog.stopping();
        stopping = true;
        // The session in progress is closed and saved before anything else shuts.
        const saved = endSession(`shutdown (${reason})`);
        if (saved.sessionId) log.info(saved, 'session in progress closed at shutdown');
        pipelineAbort.abort();
        await Promise.race([pipeline, new Promise((r) => setTimeout(r, 3000))]);
        watchdog.stop();
        clearInterval(telemetryTimer);
        clearInterval(probationTimer);
        clearInterval(pruneTimer);
        drainer.stop();
        pairingFlow?.stop();
        await link?.close();
        await live.close();
        outbox.close();
      })();
      return stopped;
    },
  };
}
