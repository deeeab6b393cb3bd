import { describe, expect, it } from 'vitest';
import { framingAdvice } from '../src/lib/framing.ts';
import { standing } from './support.ts';

describe('framing check', () => {
  it('says the person is in frame when the whole body is in view and centred', () => {
    const a = framingAdvice(standing(0.5));
    expect(a.status).toBe('ok');
    expect(a.parts).toEqual({ head: true, shoulders: true, hips: true, knees: true, feet: true });
  });

  it('tells somebody whose feet are cut off to step back', () => {
    const a = framingAdvice(standing(0.5, 0.2, 1.3, ['left_ankle', 'right_ankle']));
    expect(a).toMatchObject({ status: 'adjust', message: 'Step back: your feet are out of view' });
    expect(a.parts.feet).toBe(false);
  });

  it('gives left and right in the mirror’s terms (camera left shows on the mirror’s right)', () => {
    // Camera x 0.2: the person is on the camera's left, so on the right of the mirrored picture.
    expect(framingAdvice(standing(0.2)).message).toBe('Move left');
    expect(framingAdvice(standing(0.8)).message).toBe('Move right');
  });

  it('asks a far-away person to step closer', () => {
    expect(framingAdvice(standing(0.5, 0.4, 0.65)).message).toBe('Step closer');
  });

  it('reports nobody when only a few joints are seen', () => {
    expect(framingAdvice(standing(0.5).slice(0, 3)).status).toBe('nobody');
    expect(framingAdvice([]).status).toBe('nobody');
  });
});
