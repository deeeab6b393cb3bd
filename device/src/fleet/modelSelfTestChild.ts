/** Child of modelSelfTest.ts: argv model, backend; one test frame through inference; prints {ms}. */
import type { BackendName, ModelName } from '@pose-coach/inference';
import { oneTestFrame } from './testFrame.ts';

const [model, backend] = process.argv.slice(2) as [ModelName, BackendName | 'auto'];
try {
  console.log(JSON.stringify({ ms: await oneTestFrame(model, backend) }));
  process.exit(0);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
