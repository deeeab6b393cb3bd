/**
 * The local sign-in's accounts: email, a scrypt hash of the password, display name, and the
 * refresh tokens handed out (hashed), kept in `<GATEWAY_DATA_DIR>/local-auth/accounts.json`
 * (mode 600, written whole then renamed) so a person stays signed in across restarts.
 */
import { createHash, randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalAccount {
  uid: string;
  email?: string;
  displayName?: string;
  /** `salt:hash`, scrypt; absent for an anonymous account. */
  password?: string;
  createdAt: number;
  lastLoginAt: number;
}

interface AccountsFile {
  accounts: LocalAccount[];
  /** sha256 of a refresh token → uid. */
  refreshTokens: Record<string, string>;
}

const hashPassword = (password: string, salt = randomBytes(16).toString('base64url')) => `${salt}:${scryptSync(password, salt, 32).toString('base64url')}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

export function openLocalAccounts(dir: string | undefined) {
  const file = dir ? join(dir, 'accounts.json') : undefined;
  const data: AccountsFile = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as AccountsFile) : { accounts: [], refreshTokens: {} };
  const byUid = new Map(data.accounts.map((a) => [a.uid, a]));

  const save = () => {
    if (!file || !dir) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ accounts: [...byUid.values()], refreshTokens: data.refreshTokens }), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  };
  const byEmail = (email: string) => [...byUid.values()].find((a) => a.email === email.trim().toLowerCase());

  return {
    byUid: (uid: string) => byUid.get(uid),
    byEmail,
    /** A new account; undefined when the email is taken. */
    create(opts: { email?: string; password?: string; displayName?: string; uid?: string }): LocalAccount | undefined {
      if (opts.email && byEmail(opts.email)) return undefined;
      const now = Date.now();
      const account: LocalAccount = {
        uid: opts.uid ?? randomUUID().replace(/-/g, '').slice(0, 28),
        ...(opts.email ? { email: opts.email.trim().toLowerCase() } : {}),
        ...(opts.password ? { password: hashPassword(opts.password) } : {}),
        ...(opts.displayName ? { displayName: opts.displayName } : {}),
        createdAt: now,
        lastLoginAt: now,
      };
      byUid.set(account.uid, account);
      save();
      return account;
    },
    /** The account when email and password match. */
    verifyPassword(email: string, password: string): LocalAccount | undefined {
      const a = byEmail(email);
      if (!a?.password) return undefined;
      const [salt, hash] = a.password.split(':') as [string, string];
      const ok = timingSafeEqual(Buffer.from(hashPassword(password, salt).split(':')[1]!), Buffer.from(hash));
      if (!ok) return undefined;
      a.lastLoginAt = Date.now();
      save();
      return a;
    },
    update(uid: string, changes: { displayName?: string | null; password?: string; email?: string }): LocalAccount | undefined {
      const a = byUid.get(uid);
      if (!a) return undefined;
      if (changes.displayName === null) delete a.displayName;
      else if (changes.displayName !== undefined) a.displayName = changes.displayName;
      if (changes.password) a.password = hashPassword(changes.password);
      if (changes.email) a.email = changes.email.trim().toLowerCase();
      save();
      return a;
    },
    delete(uid: string): boolean {
      const had = byUid.delete(uid);
      for (const [k, v] of Object.entries(data.refreshTokens)) if (v === uid) delete data.refreshTokens[k];
      if (had) save();
      return had;
    },
    newRefreshToken(uid: string): string {
      const token = randomBytes(32).toString('base64url');
      data.refreshTokens[sha256(token)] = uid;
      save();
      return token;
    },
    /** The account a refresh token belongs to. Like Firebase's, a refresh token stays valid (two tabs may refresh at once). */
    redeemRefreshToken(token: string): LocalAccount | undefined {
      const uid = data.refreshTokens[sha256(token)];
      return uid ? byUid.get(uid) : undefined;
    },
    list: () => [...byUid.values()],
  };
}

export type LocalAccounts = ReturnType<typeof openLocalAccounts>;
