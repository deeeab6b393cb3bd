/**
 * Step: identity and trust, checked before anything listens: the pinned CA, the device's
 * credentials (a claim token traded for them once, on first start), the release signing key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readCredentials } from '../../link/index.ts';
import { credentialsByClaim } from '../../fleet/claimCredentials.ts';
import { gatewayHttpUrlFrom } from '../../pairing/index.ts';
import { ConfigError, type AgentConfig } from '../config.ts';

export interface IdentityInputs {
  config: Pick<AgentConfig, 'mqtt' | 'fleet' | 'inference'>;
  appVersion: string;
}

export interface Identity {
  readonly deviceId: string;
  /** The gateway's CA (mqtt.caFile), the only one trusted. */
  readonly ca: Buffer | undefined;
  /** Present with credentials (mqtt.credentialsFile); absent in development, with no pairing or releases. */
  readonly credentials: { readonly secret: string; /** The gateway's HTTP base (pairing, claims, releases). */ readonly gatewayHttpUrl: string } | undefined;
  /** PEM of the key fleet releases must be signed with; absent: no `update` command. */
  readonly releaseKeyPem: string | undefined;
}

export async function resolveIdentity({ config, appVersion }: IdentityInputs): Promise<Identity> {
  const { mqtt, fleet } = config;
  if (mqtt.url.startsWith('mqtts:') && !mqtt.caFile) {
    throw new ConfigError(`mqtt.caFile (env POSE_AGENT_MQTT_CA_FILE): required with ${mqtt.url}, the gateway's CA is pinned`);
  }
  if (mqtt.caFile && !existsSync(mqtt.caFile)) {
    throw new ConfigError(`mqtt.caFile (env POSE_AGENT_MQTT_CA_FILE): ${mqtt.caFile} does not exist`);
  }
  const ca = mqtt.caFile ? readFileSync(mqtt.caFile) : undefined;
  // Only with an MQTT url (a credentials file is ignored without one).
  const gatewayHttpUrl = () => mqtt.gatewayHttpUrl || gatewayHttpUrlFrom(mqtt.url);
  // A mirror with a claim token and no credentials yet trades the claim for them first (once).
  const creds =
    mqtt.url && mqtt.credentialsFile
      ? mqtt.claimTokenFile
        ? (
            await credentialsByClaim({
              gatewayHttpUrl: gatewayHttpUrl(),
              credentialsFile: mqtt.credentialsFile,
              claimTokenFile: mqtt.claimTokenFile,
              describe: { model: config.inference.model, appVersion },
              ...(ca ? { ca } : {}),
            })
          ).credentials
        : readCredentials(mqtt.credentialsFile)
      : undefined;
  if (fleet.releaseKeyFile && !existsSync(fleet.releaseKeyFile)) {
    throw new ConfigError(`fleet.releaseKeyFile (env POSE_AGENT_FLEET_RELEASE_KEY_FILE): ${fleet.releaseKeyFile} does not exist`);
  }
  return {
    deviceId: creds?.deviceId ?? mqtt.deviceId,
    ca,
    credentials: creds ? { secret: creds.secret, gatewayHttpUrl: gatewayHttpUrl() } : undefined,
    releaseKeyPem: fleet.releaseKeyFile ? readFileSync(fleet.releaseKeyFile, 'utf8') : undefined,
  };
}
