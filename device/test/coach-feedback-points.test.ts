/**
 * Praise and corrections stay apart downstream: every positive feedback point the coach can
 * give (in every cue language) is in protocol's PRAISE_POINTS, which the motivational feedback
 * uses never to present praise as a fault; no correction is in it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPraisePoint } from '@pose-coach/protocol';
import { CUE_LANGUAGES, cueTranslator } from '../src/coach/index.ts';

const exercisesDir = join(import.meta.dirname, '../src/coach/exercises');
const sources = readdirSync(exercisesDir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(exercisesDir, f), 'utf8'));
const pointsOf = (kind: 'praise' | 'cue' | 'partialCue') =>
  [...new Set(sources.flatMap((s) => [...s.matchAll(new RegExp(`\\b${kind}: \\{ say: '[^']+', point: '([^']+)'`, 'g'))].map((m) => m[1]!)))];

describe('feedback points: praise is told from corrections', () => {
  it('lists every praise point of every exercise, in every cue language, and no correction', () => {
    const praise = pointsOf('praise');
    const corrections = [...pointsOf('cue'), ...pointsOf('partialCue')];
    expect(praise.length).toBeGreaterThan(8);
    expect(corrections.length).toBeGreaterThan(8);
    for (const lang of CUE_LANGUAGES) {
      const say = cueTranslator(lang);
      expect({ lang, unlisted: praise.map(say).filter((p) => !isPraisePoint(p)) }).toEqual({ lang, unlisted: [] });
      expect({ lang, listedCorrections: corrections.map(say).filter((p) => isPraisePoint(p)) }).toEqual({ lang, listedCorrections: [] });
    }
  });
});
