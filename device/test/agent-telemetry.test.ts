/** Telemetry figures: CPU temperature from a thermal tree, frame rate, and the history ranges. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historySince, telemetrySchema } from '@pose-coach/protocol';
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

describe('history ranges in the mirror\'s time zone', () => {
  it('starts today at local midnight, the week on Monday, the month on the 1st', () => {
    const wed = new Date('2026-11-25T15:30:00Z'); // Wednesday 25 November 2026
    expect(historySince('today', 'Europe/Berlin', wed)).toBe('2026-11-24T23:00:00.000Z');
    expect(historySince('week', 'Europe/Berlin', wed)).toBe('2026-11-22T23:00:00.000Z');
    expect(historySince('month', 'Europe/Berlin', wed)).toBe('2026-10-31T23:00:00.000Z');
    expect(historySince('week', 'America/New_York', new Date('2026-11-30T03:00:00Z'))).toBe('2026-11-23T05:00:00.000Z'); // still Sunday there
    expect(historySince('all', 'UTC', wed)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('keeps a week that crosses a DST change starting at local midnight (host-local maths was an hour off)', () => {
    // Berlin went to summer time on Sunday 29 March 2026: Monday 23 March started at 23:00 UTC on the 22nd.
    expect(historySince('week', 'Europe/Berlin', new Date('2026-03-29T12:00:00Z'))).toBe('2026-03-22T23:00:00.000Z');
    expect(historySince('today', 'Europe/Berlin', new Date('2026-03-29T12:00:00Z'))).toBe('2026-03-28T23:00:00.000Z');
    expect(historySince('today', 'Europe/Berlin', new Date('2026-03-30T12:00:00Z'))).toBe('2026-03-29T22:00:00.000Z');
  });
});
