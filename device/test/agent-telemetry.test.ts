/** Telemetry figures: CPU temperature from a thermal tree, frame rate, and the history ranges. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { telemetrySchema } from '@pose-coach/protocol';
import { rangeStart } from '../src/agent/historyRange.ts';
import { collectTelemetry, FrameStats, readCpuTempC } from '../src/agent/telemetry.ts';
import { tempDir } from './outbox-fixtures.ts';

describe('telemetry', () => {
  const t = tempDir('thermal');
  afterAll(() => t.cleanup());
  const zone = (name: string, type: string, milli: string) => {
    mkdirSync(join(t.dir, name), { recursive: true });
    writeFileSync(join(t.dir, name, 'type'), `${type}\n`);
    writeFileSync(join(t.dir, name, 'temp'), `${milli}\n`);
  };

  it('reads the CPU zone of /sys/class/thermal, and nothing where there is none', () => {
    zone('thermal_zone0', 'acpitz', '30000');
    zone('thermal_zone1', 'cpu-thermal', '51234');
    expect(readCpuTempC(t.dir)).toBe(51.2);
    expect(readCpuTempC(join(t.dir, 'missing'))).toBeUndefined();
  });

  it('measures frames per second and inference time over a sliding window', () => {
    const s = new FrameStats(3000);
    for (let i = 0; i <= 60; i++) s.record(10_000 + i * 50, 20 + (i % 2) * 10);
    expect(s.fps(13_000)).toBeCloseTo(20, 0);
    expect(s.inferenceMs()).toBeCloseTo(25, 0);
    expect(s.fps(30_000)).toBe(0); // stale: the camera stopped
  });

  it('produces telemetry the gateway schema accepts', () => {
    const s = new FrameStats();
    s.record(Date.now() - 100, 12);
    s.record(Date.now(), 14);
    const tm = collectTelemetry({ stats: s, outboxDepth: 3, model: 'movenet-lightning', appVersion: '0.1.0', startedAt: Date.now() - 5000, thermalRoot: t.dir });
    expect(telemetrySchema.parse(tm)).toMatchObject({ outboxDepth: 3, model: 'movenet-lightning', cpuTempC: 51.2, uptimeS: 5 });
  });
});

describe('history ranges in local time', () => {
  it('starts today at local midnight, the week on Monday, the month on the 1st', () => {
    const wed = new Date(2026, 10, 25, 15, 30); // Wednesday 25 November 2026, local time
    expect(new Date(rangeStart('today', wed)).getTime()).toBe(new Date(2026, 10, 25).getTime());
    expect(new Date(rangeStart('week', wed)).getTime()).toBe(new Date(2026, 10, 23).getTime());
    expect(new Date(rangeStart('month', wed)).getTime()).toBe(new Date(2026, 10, 1).getTime());
    const sun = new Date(2026, 10, 29, 9);
    expect(new Date(rangeStart('week', sun)).getTime()).toBe(new Date(2026, 10, 23).getTime());
  });
});
