/** The agent as a process, told to report its URL: the SIGTERM test runs it and kills it. */
import { exitOnStartFailure, runAgentProcess } from '../src/agent/run.ts';

runAgentProcess(process.argv.slice(2), { onStarted: (url) => process.send?.({ url }) }).catch(exitOnStartFailure);
