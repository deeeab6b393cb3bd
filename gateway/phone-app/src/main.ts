/**
 * Entry of the phone app (served by the gateway at /app/). Routes by hash:
 *   #/                 home: stats, charts, the list of workouts
 *   #/session/{id}     one workout
 *   #/data             mirrors and the person's data (export, unpair, delete everything)
 */
import { mount } from 'svelte';
import App from './App.svelte';
import { loadSettings, startAuth } from './lib/auth.ts';
import { PhoneState, screenFromHash } from './state/phone.svelte.ts';
import './styles.css';

const app = new PhoneState();
const route = () => {
  app.screen = screenFromHash(location.hash);
  if (app.screen.name === 'session' && app.user) void app.open(app.screen.id);
};
addEventListener('hashchange', route);
route();
addEventListener('online', () => {
  if (app.user) void app.refresh().then(() => app.goLive());
});

const settings = await loadSettings();
const auth = settings?.apiKey ? startAuth({ ...settings, apiKey: settings.apiKey }) : undefined;
mount(App, { target: document.getElementById('app')!, props: { app, auth } });
auth?.watch((user) => (user ? void app.signedIn(user) : app.signedOut()));

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch((err: Error) => console.warn(`offline use unavailable: ${err.message}`));
}
// For the end-to-end tests.
(window as unknown as { poseCoachApp: unknown }).poseCoachApp = { app };
