import { analyzeCommand } from './analyze.ts';
import { liveCommand } from './live.ts';

const USAGE = `usage: pose-coach <command> [options]

commands:
  analyze <video> [--exercise NAME|auto] [--json] [--keypoints <out.jsonl>]
                                            reps and form of a video file (and its keypoints)
          [--model movenet-lightning|movenet-thunder] [--backend auto|onnx|tfjs-node|tfjs-wasm]
          [--no-smoothing] [--no-tracking] [--max-side N] [--quiet]
  live [--source csi|webcam[:/dev/videoN]|video:<file>] [--seconds N]
                                            camera → keypoints, printing the frame rate reached
  reconcile [--uid U] [--since ISO] [--until ISO] [--repair] [--json]
                                            compare (and repair) Firestore and MySQL session by session
  fleet <list|show|config|cmd|claim|release|rollout> …
                                            the fleet of mirrors, through the gateway (pose-coach fleet --help)
  dev token <uid> [--json]                  an ID token the local gateway (npm start, embedded sign-in) accepts

Every command takes --help. The models are installed by npm ci (again: npm run models:install).`;

/** Runs the CLI with `argv` (without node and script); resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // analyze and live describe themselves in the overall usage.
    if ((command === 'analyze' || command === 'live') && (rest.includes('--help') || rest.includes('-h'))) {
      console.log(USAGE);
      return 0;
    }
    switch (command) {
      case 'analyze':
        return await analyzeCommand(rest);
      case 'live':
        return await liveCommand(rest);
      case 'reconcile':
        return await (await import('./reconcile.ts')).reconcileCommand(rest);
      case 'fleet':
        return await (await import('../fleet/fleetCommand.ts')).fleetCommand(rest);
      case 'dev':
        return await (await import('./dev.ts')).devCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`pose-coach: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    // A bad option gets the usage; other refusals (missing file, missing model) are explained, never stack-dumped.
    if (String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) {
      console.error(`pose-coach ${command}: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`pose-coach ${command}: ${(err as Error).message}`);
    return 1;
  }
}
