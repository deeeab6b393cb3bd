#!/usr/bin/env node
// Launcher of the `pose-coach` CLI: registers tsx (the project runs TypeScript without a build
// step) and hands over to device/src/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../device/src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
