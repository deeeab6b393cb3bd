/**
 * What the mirror remembers about its releases between starts, as small files in its data folder:
 *   app/pending       an app release swapped in and not yet proven: `version=`, `dir=`,
 *                     `deadline_s=`, `max_starts=` lines, read by systemd/bin/pose-agent-start,
 *                     which rolls back to app/previous when the release crash-loops or does not
 *                     report healthy in time (boot-time rollback, A/B style);
 *   app/pending.starts how many times the start script started it;
 *   last-update.json  how the last release given to this mirror ended (installed, healthy,
 *                     rolled-back, failed, with the reason); sent in every telemetry message so a
 *                     rollout learns the outcome even across restarts of either side.
 * The agent removes `app/pending` (the release is good) once it runs healthy from that release.
 */
import type { Logger } from 'pino';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync, readlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { lastUpdateSchema, type LastUpdate } from '@pose-coach/protocol';

export const appPaths = (dataDir: string) => ({
  root: join(dataDir, 'app'),
  current: join(dataDir, 'app', 'current'),
  previous: join(dataDir, 'app', 'previous'),
  pending: join(dataDir, 'app', 'pending'),
  starts: join(dataDir, 'app', 'pending.starts'),
});
const lastUpdateFile = (dataDir: string) => join(dataDir, 'last-update.json');

function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

export function writeLastUpdate(dataDir: string, u: Omit<LastUpdate, 'at'>): LastUpdate {
  const full = lastUpdateSchema.parse({ ...u, ...(u.reason ? { reason: u.reason.slice(0, 500) } : {}), at: new Date().toISOString() });
  writeAtomically(lastUpdateFile(dataDir), `${JSON.stringify(full)}\n`);
  return full;
}

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** The last update's outcome; none yet is normal, a damaged file is told to `log` (the next update rewrites it). */
export function readLastUpdate(dataDir: string, log?: Pick<Logger, 'warn'>): LastUpdate | undefined {
  const file = lastUpdateFile(dataDir);
  try {
    return lastUpdateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    if (!missing(err)) log?.warn({ file, err: (err as Error).message }, 'last update outcome unreadable: reported as none');
    return undefined;
  }
}

export interface PendingApp {
  version: string;
  dir: string;
  deadlineS: number;
  maxStarts: number;
}

/** Marks an app release as on probation: the start script watches it from the next start. */
export function markAppPending(dataDir: string, p: PendingApp): void {
  const { pending, starts } = appPaths(dataDir);
  rmSync(starts, { force: true });
  writeAtomically(pending, `version=${p.version}\ndir=${p.dir}\ndeadline_s=${Math.round(p.deadlineS)}\nmax_starts=${p.maxStarts}\n`);
}

export function readAppPending(dataDir: string): PendingApp | undefined {
  let text: string;
  const file = appPaths(dataDir).pending;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (missing(err)) return undefined; // no app release on probation
    throw new Error(`app release probation file ${file} unreadable: ${(err as Error).message}`);
  }
  const v = Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  if (!v.version || !v.dir) return undefined;
  return { version: v.version, dir: v.dir, deadlineS: Number(v.deadline_s) || 0, maxStarts: Number(v.max_starts) || 0 };
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** The pending app release this process runs from, if it is on probation. */
export function pendingForTree(dataDir: string, runningTree: string): PendingApp | undefined {
  const p = readAppPending(dataDir);
  return p && real(p.dir) === real(runningTree) ? p : undefined;
}

/** The release proved itself: off probation, recorded healthy. */
export function commitApp(dataDir: string, p: PendingApp): LastUpdate {
  const { pending, starts } = appPaths(dataDir);
  const u = writeLastUpdate(dataDir, { kind: 'app', version: p.version, outcome: 'healthy' });
  rmSync(pending, { force: true });
  rmSync(starts, { force: true });
  return u;
}

/** The fleet app release this process runs from (a tree under `<dataDir>/app/releases/`), if any. */
export function runningAppRelease(dataDir: string, runningTree: string): string | undefined {
  const tree = real(runningTree);
  return dirname(tree) === real(join(dataDir, 'app', 'releases')) ? basename(tree) : undefined;
}

/** The fleet model release `<dataDir>/releases/model-current` points at, if any. */
export function currentModelRelease(dataDir: string): string | undefined {
  const link = join(dataDir, 'releases', 'model-current');
  if (!existsSync(link)) return undefined;
  try {
    return basename(readlinkSync(link)).replace(/^model-/, '');
  } catch {
    return undefined;
  }
}
