/** `tsx gateway/src/main.ts`: the gateway as a long-running process (systemd runs this). */
import { ConfigError, loadGatewayConfig } from './config.ts';
import { handleEnvOnlyArgs } from './cli/envOnlyArgs.ts';
import { createGateway } from './createGateway.ts';

handleEnvOnlyArgs('gateway', 'MQTT broker, ingest, store workers and HTTP API');

try {
  const gateway = await createGateway(loadGatewayConfig());
  let stopping = false;
  // While connections close, a Redis command cut off by its own connection's end may reject
  // unheard (inside the MQTT cluster libraries): harmless then, and no reason to exit non-zero.
  process.on('unhandledRejection', (err: Error) => {
    if (stopping) return gateway.log.debug({ err: err?.message }, 'ignored while shutting down');
    gateway.log.fatal({ err: err?.message, stack: err?.stack }, 'unhandled rejection');
    process.exit(1);
  });
  const stop = async (signal: string) => {
    stopping = true;
    gateway.log.info({ signal }, 'shutting down');
    await gateway.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  console.error(err instanceof ConfigError ? `gateway: bad configuration: ${err.message}` : `gateway: failed to start: ${(err as Error).message}`);
  process.exit(1);
}
