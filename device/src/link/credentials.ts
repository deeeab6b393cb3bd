/**
 * Per-device MQTT credentials from a JSON file `{ "deviceId": "...", "secret": "..." }` (the shape
 * the gateway's registry hands out when a mirror is provisioned; `password` is accepted too).
 * The file holds the device's secret, so the agent refuses one that anybody but its own user can
 * read: a leaked secret lets someone else publish sessions as this mirror.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { DEVICE_ID_PATTERN, describeIssues } from '@pose-coach/protocol';

export const credentialsSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !('secret' in v) && 'password' in v ? { ...v, secret: (v as { password: unknown }).password } : v),
  z.object({
    deviceId: z.string().regex(DEVICE_ID_PATTERN, 'must be letters, digits, - or _ (2–64 characters)'),
    secret: z.string().min(1, 'must not be empty'),
  }),
);
export type DeviceCredentials = z.infer<typeof credentialsSchema>;

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export function readCredentials(path: string): DeviceCredentials {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CredentialsError(`credentials file ${path} does not exist (expected JSON {"deviceId", "secret"}, mode 600)`);
  }
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8);
    throw new CredentialsError(
      `credentials file ${path} is readable by group or others (mode ${mode}); it holds the device secret — run: chmod 600 ${path}`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && st.uid !== uid) {
    throw new CredentialsError(`credentials file ${path} belongs to uid ${st.uid}, not to the agent's user (uid ${uid}); run: chown $(id -un) ${path}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new CredentialsError(`credentials file ${path} is not valid JSON (expected {"deviceId", "secret"})`);
  }
  const parsed = credentialsSchema.safeParse(data);
  if (!parsed.success) throw new CredentialsError(`credentials file ${path}: ${describeIssues(parsed.error)}`);
  return { deviceId: parsed.data.deviceId, secret: parsed.data.secret };
}
