/**
 * Entry of the mirror UI. The agent serves it and is its only data source; query parameters:
 *   ?replay=URL      replay a recorded live stream instead (development without a camera)
 *   ?live=WS_URL     another agent's WebSocket (dev server, tests)
 *   ?summaryHold=S   seconds the summary stays up (default 45)
 *   ?rotate=I,H      Idle I seconds then History H seconds while paired (default 40,15; 0 = off)
 *   #/history        the History screen
 */
import { mount } from 'svelte';
import App from './App.svelte';
import { AgentBackend } from './live/agentBackend.ts';
import type { MirrorBackend } from './live/backend.ts';
import { ReplayBackend } from './live/replayBackend.ts';
import { MirrorState } from './state/mirror.svelte.ts';
import './styles.css';

const params = new URLSearchParams(location.search);
const replay = params.get('replay');
const live = params.get('live');
const backend: MirrorBackend = replay
  ? ReplayBackend.fromUrl(replay, { speed: Number(params.get('speed') ?? 1) })
  : new AgentBackend({ baseUrl: new URL('./', location.href).href, ...(live ? { liveUrl: live } : {}), onBadMessage: (r) => console.warn(`live event dropped: ${r}`) });

const rotate = params.get('rotate');
const [idleS, historyS] = (rotate ?? '40,15').split(',').map(Number);
const mirror = new MirrorState({
  backend,
  summaryHoldMs: Number(params.get('summaryHold') ?? 45) * 1000,
  rotation: rotate === null ? undefined : idleS && historyS ? { idleS, historyS } : null,
  healthEveryMs: replay ? 0 : 3000,
});

const route = () => mirror.showHistory(location.hash === '#/history');
addEventListener('hashchange', route);
route();
addEventListener('keydown', (e) => {
  if (e.key === 'h') location.hash = location.hash === '#/history' ? '' : '#/history';
});

mount(App, { target: document.getElementById('app')!, props: { mirror } });
mirror.start();
// For the end-to-end tests and on-device diagnostics: state and the overlay's frame pacing.
(window as unknown as { poseCoach: unknown }).poseCoach = { mirror, frames: mirror.frames };
