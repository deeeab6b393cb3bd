/** What the benchmarks share for running the gateway and its helpers as separate processes. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';

/** A port free right now on loopback, for a child process to bind. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Runs a TypeScript entry point as its own node process and resolves with the first stdout line
 * matching `ready`. BENCH_CPU_PROF=dir writes a V8 CPU profile of each child there.
 */
export function startChild(script: string, env: Record<string, string>, ready: RegExp, opts: { cwd?: string } = {}): Promise<{ child: ChildProcess; line: string }> {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', script], { cwd: opts.cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  let isReady = false;
  return new Promise((resolve, reject) => {
    // Keep draining stdout after start-up so the child never blocks on a full pipe.
    child.stdout!.on('data', (d: Buffer) => {
      if (isReady) return;
      buf += d.toString();
      const line = buf.split('\n').find((l) => ready.test(l));
      if (line) {
        isReady = true;
        resolve({ child, line });
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/**
 * CPU seconds (user + system) and resident MiB of a process, from /proc: CPU time is a figure
 * the machine's other load does not inflate the way wall-clock rates are. `runQueueS`: how long
 * its main thread was ready to run but waiting for a core (/proc/pid/schedstat), the share of
 * its wall time the machine's other load took from it.
 */
export function procStat(pid: number | undefined): { cpuS: number; rssMiB: number; hwmMiB: number; runQueueS: number } {
  if (!pid) return { cpuS: 0, rssMiB: 0, hwmMiB: 0, runQueueS: 0 };
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    // utime and stime, in clock ticks (USER_HZ = 100).
    const runQueueNs = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1] ?? 0);
    return { cpuS: (Number(fields[11]) + Number(fields[12])) / 100, rssMiB: kb('VmRSS'), hwmMiB: kb('VmHWM'), runQueueS: runQueueNs / 1e9 };
  } catch {
    return { cpuS: 0, rssMiB: 0, hwmMiB: 0, runQueueS: 0 };
  }
}

/**
 * A checkout of `ref` beside this one, for running an earlier gateway in the same benchmark run
 * (a baseline measured under the same load). Made once under the system's temp folder with a git
 * worktree; its node_modules are hard links of this checkout's (workspace links stay relative, so
 * they name the earlier checkout's own packages). Returns its folder.
 */
export function checkoutOf(ref: string): string {
  const git = (...args: string[]) => {
    const out = spawnSync('git', args, { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`git ${args.join(' ')}: ${out.stderr.trim()}`);
    return out.stdout.trim();
  };
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = join(tmpdir(), 'pose-coach-baseline', sha.slice(0, 12));
  if (existsSync(join(dir, 'node_modules'))) return dir;
  if (!existsSync(dir)) git('worktree', 'add', '--detach', dir, sha);
  for (const folder of ['', ...workspacesOf('.')]) {
    const from = join(folder, 'node_modules');
    if (existsSync(from) && !existsSync(join(dir, from))) {
      const cp = spawnSync('cp', ['-al', from, join(dir, from)]);
      if (cp.status !== 0) throw new Error(`could not link ${from} into ${dir}`);
    }
  }
  return dir;
}

function workspacesOf(root: string): string[] {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] }).workspaces ?? [];
}
