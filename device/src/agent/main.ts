/**
 * Entry point: `tsx device/src/agent/main.ts [--config FILE] [--video FILE] [--simulate] [--port N]`
 * Starts the mirror's agent and prints the mirror UI's URL (see run.ts).
 */
import { exitOnStartFailure, runAgentProcess } from './run.ts';

runAgentProcess(process.argv.slice(2)).catch(exitOnStartFailure);
