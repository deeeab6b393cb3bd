/**
 * Sign-in with the Firebase Auth JS SDK, configured at run time from the gateway's
 * /app/config.json (a real project, or an Auth emulator such as the gateway's local sign-in via
 * connectAuthEmulator). The settings are kept so the app still opens offline.
 */
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, createUserWithEmailAndPassword, deleteUser, getAuth, onAuthStateChanged, signInWithEmailAndPassword, signOut, type Auth } from 'firebase/auth';
import type { SignedInUser } from '../state/phone.svelte.ts';
import type { FirebaseSettings } from './types.ts';

const SETTINGS_KEY = 'pose-coach-app:firebase';

export async function loadSettings(): Promise<FirebaseSettings | undefined> {
  try {
    const res = await fetch('/app/config.json', { cache: 'no-cache' });
    if (res.ok) {
      const settings = (await res.json()) as FirebaseSettings;
      localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
      return settings;
    }
  } catch {
    // offline: the copy below
  }
  const saved = localStorage.getItem(SETTINGS_KEY);
  return saved ? (JSON.parse(saved) as FirebaseSettings) : undefined;
}

export interface AppAuth {
  watch(onChange: (user: SignedInUser | null) => void): void;
  signIn(email: string, password: string): Promise<void>;
  /** Only with the gateway's embedded sign-in (a real Firebase project makes accounts its own way). */
  signUp?(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Deletes the signed-in person's sign-in account itself (after their data); signs them out. */
  deleteSignIn(): Promise<void>;
}

export function startAuth(settings: FirebaseSettings & { apiKey: string }): AppAuth {
  const auth: Auth = getAuth(initializeApp({ apiKey: settings.apiKey, authDomain: settings.authDomain, projectId: settings.projectId }));
  // The embedded sign-in answers on the origin the app came from (whatever address the phone used).
  if (settings.localAuth) connectAuthEmulator(auth, location.origin, { disableWarnings: true });
  else if (settings.authEmulatorUrl) connectAuthEmulator(auth, settings.authEmulatorUrl, { disableWarnings: true });
  return {
    watch(onChange) {
      onAuthStateChanged(auth, (u) => onChange(u ? { uid: u.uid, email: u.email, name: u.displayName, getIdToken: () => u.getIdToken() } : null));
    },
    signIn: (email, password) => signInWithEmailAndPassword(auth, email, password).then(() => undefined),
    signOut: () => signOut(auth),
    deleteSignIn: () => (auth.currentUser ? deleteUser(auth.currentUser) : Promise.resolve()),
    ...(settings.localAuth ? { signUp: (email: string, password: string) => createUserWithEmailAndPassword(auth, email, password).then(() => undefined) } : {}),
  };
}
