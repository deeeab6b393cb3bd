/**
 * The gateway's processes take their settings from the environment only: `--help` prints them
 * with their defaults; any other argument is refused with that text instead of being ignored.
 */
import { describeGatewayConfig } from '../config.ts';

export function handleEnvOnlyArgs(name: string, what: string, args = process.argv.slice(2)): void {
  const help = `${name}: ${what}

usage: npm run ${name} [-- --help]
Configured by environment variables only (a bad value stops start-up naming the variable):
${describeGatewayConfig()}`;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(help);
    process.exit(0);
  }
  if (args.length) {
    console.error(`${name}: unknown argument ${JSON.stringify(args[0])}\n\n${help}`);
    process.exit(2);
  }
}
