/**
 * The self-test of an app release: the NEW tree's own self-test entry
 * (`<dir>/device/src/agent/selfTest.ts`: the agent config loaded, one frame through inference) run
 * in a child process with a timeout, so a broken release can neither crash nor hang the running
 * agent. tsx and the packages come from the running app's install (a release bundle carries source,
 * not node_modules).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const APP_SELF_TEST_ENTRY = join('device', 'src', 'agent', 'selfTest.ts');

export interface AppSelfTestOptions {
  /** The agent's config file, handed to the entry as `--config`. */
  configFile?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** The line that says why: an uncaught error's own line (Node prints its version after the stack), else the last line. */
function reasonFrom(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  return lines.find((l) => /^\w*Error( \[\w+\])?:/.test(l)) ?? lines.at(-1);
}

/** Resolves when the entry exits 0; rejects with the last line it printed to stderr, a timeout, or a missing entry. */
export function appSelfTest(dir: string, o: AppSelfTestOptions = {}): Promise<void> {
  const entry = join(dir, APP_SELF_TEST_ENTRY);
  if (!existsSync(entry)) return Promise.reject(new Error(`the release has no self-test entry ${APP_SELF_TEST_ENTRY}`));
  const timeout = o.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', entry, ...(o.configFile ? ['--config', o.configFile] : [])],
      { env: o.env ?? process.env, timeout, killSignal: 'SIGKILL' },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const why = (err as { killed?: boolean }).killed ? `no answer within ${timeout} ms` : reasonFrom(stderr) || err.message;
        reject(new Error(`app self-test failed: ${why}`));
      },
    );
  });
}
