/**
 * `pose-coach reconcile [--uid U] [--since ISO] [--until ISO] [--repair] [--json]`: compares the
 * running appliance's Firestore and MySQL session by session (the work is in the gateway and
 * cloud-sync; this is the command line: arguments, progress bar, output).
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';

export const RECONCILE_USAGE = `usage: pose-coach reconcile [--uid U] [--since ISO] [--until ISO] [--repair] [--json]

Compares Firestore (the primary record) and MySQL (the analytics copy) session by session, for one
person (--uid) or everyone, for sessions whose timestamp is in [--since, --until), and reports what
is missing or different on either side. With --repair it makes them agree:
  only in Firestore         → copied to MySQL
  only in MySQL             → copied to Firestore (data recovery)
  a field differs           → the MySQL row is rewritten from Firestore (Firestore wins, every field)
  deleted by its owner      → removed from whichever store still holds it (never copied back)
Sessions written less than a minute ago on one side only are left alone (their other write is queued).

It finds the stores of a running \`npm start\` by itself (var/gateway/stores.json); FIRESTORE_EMULATOR_HOST
or GOOGLE_APPLICATION_CREDENTIALS, MYSQL_URL and GATEWAY_DATA_DIR override that.
--json prints one object: checked, missingInFirestore, missingInMysql, different, deleted, repaired,
failed, users, durationMs, differences (the first 1,000).
Exit status: 0 the stores agree (or every difference was repaired), 4 differences remain, 1 error.`;

function isoOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`--${name} "${value}" is not a date and time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T00:00:00Z)`);
  return new Date(ms).toISOString();
}

export async function reconcileCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      uid: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      repair: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(RECONCILE_USAGE);
    return 0;
  }
  const since = isoOption('since', values.since);
  const until = isoOption('until', values.until);
  if (since && until && since >= until) throw new Error(`--since ${since} is not before --until ${until}`);

  const bar = new cliProgress.SingleBar(
    { format: 'reconcile [{bar}] {value}/{total} people | {checked} sessions checked', hideCursor: true, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const showBar = !values.json && process.stderr.isTTY;
  let started = false;
  const { runReconcile } = await import('@pose-coach/gateway/reconcile');
  const report = await runReconcile({
    uid: values.uid,
    since,
    until,
    repair: values.repair,
    onProgress: ({ usersDone, usersTotal, checked }) => {
      if (!showBar) return;
      if (!started) {
        bar.start(usersTotal, 0, { checked: 0 });
        started = true;
      }
      bar.update(usersDone, { checked });
    },
  }).finally(() => {
    if (started) bar.stop();
  });

  const found = report.missingInFirestore + report.missingInMysql + report.different + report.deleted;
  if (values.json) {
    console.log(JSON.stringify(report));
  } else {
    console.log(`checked ${report.checked} sessions of ${report.users} ${report.users === 1 ? 'person' : 'people'} in ${(report.durationMs / 1000).toFixed(1)} s`);
    console.log(`  missing in Firestore  ${report.missingInFirestore}`);
    console.log(`  missing in MySQL      ${report.missingInMysql}`);
    console.log(`  different             ${report.different}`);
    console.log(`  deleted but stored    ${report.deleted}`);
    console.log(`  repaired              ${report.repaired}${report.failed ? `   (failed: ${report.failed})` : ''}`);
    for (const d of report.differences.slice(0, 20)) {
      console.log(`  ${d.kind.padEnd(19)} users/${d.uid}/workoutSessions/${d.sessionId}${d.fields ? ` (${d.fields.join(', ')})` : ''}${d.repaired ? ` → ${d.repaired}` : ''}${d.error ? ` ✗ ${d.error}` : ''}`);
    }
    if (report.differences.length > 20) console.log(`  … and ${found - 20} more (--json lists up to 1,000)`);
    if (found > 0 && !values.repair) console.log('Run again with --repair to make the stores agree (Firestore wins where both have the session).');
  }
  if (report.failed > 0) return 4;
  return found > report.repaired ? 4 : 0;
}
