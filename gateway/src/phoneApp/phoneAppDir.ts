/** Where the built phone app is: PHONE_APP_DIR, else Vite's output folder in the repository. */
import { fileURLToPath } from 'node:url';
import type { GatewayConfig } from '../config.ts';

export const DEFAULT_PHONE_APP_DIR = fileURLToPath(new URL('../../phone-app/dist/', import.meta.url));

export const phoneAppDir = (config: Pick<GatewayConfig, 'PHONE_APP_DIR'>) => config.PHONE_APP_DIR ?? DEFAULT_PHONE_APP_DIR;
