/** Figures for the `telemetry` topic, the health endpoint and `diagnostics`. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { telemetrySchema, type Telemetry } from '@pose-coach/protocol';

/**
 * CPU temperature in °C from /sys/class/thermal where the kernel exposes it (Raspberry Pi:
 * `cpu-thermal`; x86: `x86_pkg_temp`), else the first zone; undefined where there is none.
 */
export function readCpuTempC(root = '/sys/class/thermal'): number | undefined {
  let zones: string[];
  try {
    zones = readdirSync(root).filter((z) => z.startsWith('thermal_zone')).sort();
  } catch {
    return undefined;
  }
  const read = (zone: string, file: string) => {
    try {
      return readFileSync(join(root, zone, file), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const preferred = zones.find((z) => /cpu|soc|x86_pkg/i.test(read(z, 'type') ?? '')) ?? zones[0];
  const milli = preferred ? Number(read(preferred, 'temp')) : NaN;
  return Number.isFinite(milli) ? Math.round(milli / 100) / 10 : undefined;
}

/** Frames per second and inference time over a sliding window of the last few seconds. */
export class FrameStats {
  private readonly samples: { at: number; inferenceMs: number }[] = [];
  lastFrameAt = 0;
  frames = 0;

  constructor(private readonly windowMs = 3000) {}

  record(at: number, inferenceMs: number): void {
    this.samples.push({ at, inferenceMs });
    this.lastFrameAt = at;
    this.frames++;
    const cutoff = at - this.windowMs;
    while (this.samples.length && this.samples[0]!.at < cutoff) this.samples.shift();
  }

  fps(now = Date.now()): number {
    const recent = this.samples.filter((s) => s.at >= now - this.windowMs);
    if (recent.length < 2) return 0;
    const span = (recent.at(-1)!.at - recent[0]!.at) / 1000;
    return span > 0 ? Math.round(((recent.length - 1) / span) * 10) / 10 : 0;
  }

  inferenceMs(): number {
    if (!this.samples.length) return 0;
    return Math.round((this.samples.reduce((a, s) => a + s.inferenceMs, 0) / this.samples.length) * 10) / 10;
  }
}

export interface TelemetryInputs {
  stats: FrameStats;
  outboxDepth: number;
  model: string;
  appVersion: string;
  startedAt: number;
  thermalRoot?: string;
  /** Release fields (appRelease, modelRelease, healthy, lastUpdate). */
  extra?: Partial<Telemetry>;
}

export function collectTelemetry(i: TelemetryInputs): Telemetry {
  const cpuTempC = readCpuTempC(i.thermalRoot);
  return telemetrySchema.parse({
    fps: i.stats.fps(),
    inferenceMs: i.stats.inferenceMs(),
    ...(cpuTempC !== undefined ? { cpuTempC } : {}),
    memoryMb: Math.round(process.memoryUsage().rss / 1e5) / 10,
    outboxDepth: i.outboxDepth,
    model: i.model,
    appVersion: i.appVersion,
    uptimeS: Math.round((Date.now() - i.startedAt) / 1000),
    at: new Date().toISOString(),
    ...i.extra,
  });
}
