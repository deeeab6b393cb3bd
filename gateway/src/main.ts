/** `tsx gateway/src/main.ts`: the gateway as a long-running process (systemd runs this). */
import { ConfigError, loadGatewayConfig } from './config.ts';
import { handleEnvOnlyArgs } from './cli/envOnlyArgs.ts';
import { createGateway } from './createGateway.ts';

handleEnvOnlyArgs('gateway', 'MQTT broker, ingest, store workers and HTTP API');

try {
  const gateway = await createGateway(loadGatewayConfig());
  const stop = async (signal: string) => {
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
