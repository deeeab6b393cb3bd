// Worker thread of a live frame source (plain JS: a worker is loaded by Node itself, without
// tsx or vite). It runs the capture process(es), cuts stdout into frames and posts every frame
// to the main thread at once, transferring its buffer. The point is that the camera's pipe is
// drained even while the main thread is blocked in WebAssembly inference: otherwise the pipe
// fills, the camera process blocks, and the frames it queues meanwhile arrive late (a backlog).
// The main thread keeps only the newest frame (newest-frame.ts).
//
// workerData: { steps: [{ cmd, args }], frameBytes }. Each step's stdout feeds the next step's
// stdin (e.g. rpicam-vid --codec mjpeg | ffmpeg); frames come from the last step. The first
// step is the camera: its exit status and stderr are what the main thread reports.
import { spawn } from 'node:child_process';
import { parentPort, workerData } from 'node:worker_threads';

const { steps, frameBytes } = workerData;
const children = steps.map((s) => spawn(s.cmd, s.args, { stdio: ['pipe', 'pipe', 'pipe'] }));
for (let i = 0; i + 1 < children.length; i++) {
  children[i].stdout.pipe(children[i + 1].stdin);
  children[i + 1].stdin.on('error', () => {});
}
children[0].stdin.end();

let stderr = '';
children[0].stderr.on('data', (d) => {
  stderr = (stderr + d.toString()).slice(-4000);
});
for (const c of children.slice(1)) c.stderr.resume();

const last = children[children.length - 1];
let frame = new Uint8Array(frameBytes);
let filled = 0;
let frames = 0;
last.stdout.on('data', (chunk) => {
  let offset = 0;
  while (offset < chunk.length) {
    const n = Math.min(frameBytes - filled, chunk.length - offset);
    frame.set(chunk.subarray(offset, offset + n), filled);
    filled += n;
    offset += n;
    if (filled === frameBytes) {
      frames++;
      parentPort.postMessage({ type: 'frame', data: frame, at: performance.timeOrigin + performance.now() }, [frame.buffer]);
      frame = new Uint8Array(frameBytes);
      filled = 0;
    }
  }
});

let spawnError;
children[0].on('error', (err) => {
  spawnError = err.message;
});
// 'close' comes after a child's stdio has ended, so every frame is posted before the exit.
const closed = (c) => new Promise((resolve) => c.once('close', (code, signal) => resolve({ code, signal })));
Promise.all(children.map(closed)).then(([camera]) => {
  parentPort.postMessage({ type: 'exit', code: camera.code, signal: camera.signal, stderr, frames, spawnError });
});

parentPort.on('message', (m) => {
  if (m === 'stop') {
    for (const c of children) c.kill('SIGTERM');
    setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 1000).unref();
  }
});
