import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createStepRunner } from '../src/agent/steps/runSteps.ts';

const log = pino({ level: 'silent' });

describe('agent steps', () => {
  it('start in order and stop in reverse, each told why', async () => {
    const seen: string[] = [];
    const steps = createStepRunner(log);
    for (const name of ['outbox', 'live server', 'link']) {
      await steps.run(name, () => (seen.push(`start ${name}`), { stop: (reason: string) => void seen.push(`stop ${name} (${reason})`) }));
    }
    await steps.run('identity', () => ({ deviceId: 'm1' })); // a step holding nothing open
    expect(steps.started).toEqual(['outbox', 'live server', 'link', 'identity']);
    await steps.stopAll('SIGTERM');
    expect(seen).toEqual(['start outbox', 'start live server', 'start link', 'stop link (SIGTERM)', 'stop live server (SIGTERM)', 'stop outbox (SIGTERM)']);
  });

  it('a step that fails to start stops the ones before it, and the error goes on', async () => {
    const stopped: string[] = [];
    const steps = createStepRunner(log);
    await steps.run('outbox', () => ({ stop: () => void stopped.push('outbox') }));
    await steps.run('live server', async () => ({ stop: async () => void stopped.push('live server') }));
    await expect(steps.run('identity', () => Promise.reject(new Error('mqtt.caFile: /nope does not exist')))).rejects.toThrow('mqtt.caFile');
    expect(stopped).toEqual(['live server', 'outbox']);
    expect(steps.started).toEqual([]);
  });

  it('a step failing to stop does not keep the others open', async () => {
    const stopped: string[] = [];
    const steps = createStepRunner(log);
    await steps.run('outbox', () => ({ stop: () => void stopped.push('outbox') }));
    await steps.run('link', () => ({
      stop: () => {
        throw new Error('broker gone');
      },
    }));
    await steps.stopAll('stop');
    expect(stopped).toEqual(['outbox']);
  });
});
