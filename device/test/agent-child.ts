/** The agent as a process, with the test coach: the SIGTERM test runs it and kills it. */
import { exitOnStartFailure, runAgentProcess } from '../src/agent/run.ts';
import { testSquatCoach } from './agent-fixtures.ts';

runAgentProcess(process.argv.slice(2), { createCoach: testSquatCoach, onStarted: (url) => process.send?.({ url }) }).catch(exitOnStartFailure);
