/// <reference lib="dom" />
/**
 * The phone's pairing page: sign in with Firebase Authentication, show which mirror the code
 * belongs to, and on "Pair" claim the code with the person's ID token. Bundled by the gateway
 * (esbuild, in memory) and served at /pair/app.js; its Firebase settings come from the gateway's
 * environment through `window.POSE_COACH_PAIRING`.
 */
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth, onAuthStateChanged, signInWithEmailAndPassword, updateProfile, type User } from 'firebase/auth';

interface PageConfig {
  apiKey: string;
  authDomain: string;
  projectId: string;
  authEmulatorUrl?: string;
  /** The gateway's embedded sign-in (Auth emulator protocol on the gateway itself). */
  localAuth?: boolean;
}

const config = (window as unknown as { POSE_COACH_PAIRING: PageConfig | null }).POSE_COACH_PAIRING;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const sections = ['signin', 'enter-code', 'confirm', 'done'] as const;

function show(section: (typeof sections)[number] | null, message = '', isError = false): void {
  for (const s of sections) $(s).hidden = s !== section;
  const m = $('message');
  m.textContent = message;
  m.className = isError ? 'error' : '';
}

let code = new URLSearchParams(location.search).get('code') ?? '';
let pairedDeviceId: string | undefined;
/** While a new account gets its name, the sign-in it triggers waits for it. */
let creatingAccount = false;

async function call(user: User, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${await user.getIdToken()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error(typeof json.message === 'string' ? json.message : `The gateway answered ${res.status}.`);
  return json;
}

const mirrorName = (m: Record<string, unknown>) => (typeof m.room === 'string' ? `the mirror in ${m.room}` : typeof m.name === 'string' ? `the mirror “${m.name}”` : 'this mirror');

async function askToConfirm(user: User): Promise<void> {
  if (!code) return show('enter-code');
  try {
    const mirror = await call(user, 'POST', '/api/pairing/lookup', { user_code: code });
    $('question').textContent = `Pair ${mirrorName(mirror)} with ${String(mirror.displayName)}?`;
    show('confirm');
  } catch (err) {
    show('enter-code', (err as Error).message, true);
  }
}

function start(): void {
  if (!config?.apiKey) return show(null, 'This pairing page is not configured (FIREBASE_WEB_API_KEY is not set on the gateway).', true);
  const auth = getAuth(initializeApp({ apiKey: config.apiKey, authDomain: config.authDomain, projectId: config.projectId }));
  // The embedded sign-in answers on the origin this page came from (whatever address the phone used).
  if (config.localAuth) connectAuthEmulator(auth, location.origin, { disableWarnings: true });
  else if (config.authEmulatorUrl) connectAuthEmulator(auth, config.authEmulatorUrl, { disableWarnings: true });
  for (const id of ['local-note', 'name-field', 'signup-button']) $(id).hidden = !config.localAuth;
  ($('code') as HTMLInputElement).value = code;

  onAuthStateChanged(auth, (user) => {
    if (!user) return show('signin');
    if (!pairedDeviceId && !creatingAccount) void askToConfirm(user);
  });

  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const email = ($('email') as HTMLInputElement).value;
    const password = ($('password') as HTMLInputElement).value;
    show(null, 'Signing in…');
    signInWithEmailAndPassword(auth, email, password).catch(() => show('signin', 'Wrong email or password.', true));
  });

  $('signup-button').addEventListener('click', () => {
    const form = $('signin-form') as HTMLFormElement;
    if (!form.reportValidity()) return;
    const email = ($('email') as HTMLInputElement).value;
    const password = ($('password') as HTMLInputElement).value;
    const name = ($('display-name') as HTMLInputElement).value.trim();
    show(null, 'Creating your account…');
    creatingAccount = true;
    createUserWithEmailAndPassword(auth, email, password)
      .then(async ({ user }) => {
        if (name) {
          await updateProfile(user, { displayName: name });
          await user.getIdToken(true); // the name travels in the token the gateway reads
        }
        creatingAccount = false;
        if (!pairedDeviceId) await askToConfirm(user);
      })
      .catch((err: { code?: string }) => {
        creatingAccount = false;
        show('signin', err.code === 'auth/email-already-in-use' ? 'An account with this email exists: sign in instead.' : err.code === 'auth/weak-password' ? 'Choose a password of at least 6 characters.' : 'The account could not be created.', true);
      });
  });

  $('code-form').addEventListener('submit', (e) => {
    e.preventDefault();
    code = ($('code') as HTMLInputElement).value;
    if (auth.currentUser) void askToConfirm(auth.currentUser);
  });

  $('confirm-button').addEventListener('click', () => {
    const user = auth.currentUser;
    if (!user) return show('signin');
    show(null, 'Pairing…');
    call(user, 'POST', '/api/pairing/claim', { user_code: code }).then(
      (paired) => {
        pairedDeviceId = String(paired.deviceId);
        const name = mirrorName(paired);
        $('done-text').textContent = `Paired. ${name[0]!.toUpperCase()}${name.slice(1)} now greets you as ${String(paired.displayName)}; your workouts on it go to your account.`;
        show('done');
      },
      (err: Error) => show('enter-code', err.message, true),
    );
  });

  $('deny-button').addEventListener('click', () => {
    const user = auth.currentUser;
    if (!user) return show('signin');
    call(user, 'POST', '/api/pairing/deny', { user_code: code }).then(
      () => show(null, 'Cancelled. The mirror was not paired.'),
      (err: Error) => show(null, err.message, true),
    );
  });

  $('unpair-button').addEventListener('click', () => {
    const user = auth.currentUser;
    if (!user || !pairedDeviceId) return;
    call(user, 'DELETE', `/api/pairing/devices/${encodeURIComponent(pairedDeviceId)}`).then(
      () => {
        pairedDeviceId = undefined;
        show(null, 'Unpaired. The mirror no longer saves workouts to your account.');
      },
      (err: Error) => show('done', err.message, true),
    );
  });
}

start();
