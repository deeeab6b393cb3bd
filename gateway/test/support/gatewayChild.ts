/** A gateway in its own process (configured by env), for tests that kill it with SIGKILL. Prints "ready". */
import { createGateway, loadGatewayConfig } from '../../src/index.ts';

const gateway = await createGateway(loadGatewayConfig());
process.stdout.write(`ready ${gateway.httpPort}\n`);
