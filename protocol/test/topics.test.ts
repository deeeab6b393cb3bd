import { describe, expect, it } from 'vitest';
import { isInsideDeviceTree, parseTopic, topicFor, parseJson, sessionPayloadSchema } from '../src/index.ts';

describe('topics', () => {
  it('builds and parses every topic kind under mirrors/{deviceId}/', () => {
    expect(topicFor('sessionsAck', 'm-1')).toBe('mirrors/m-1/sessions/ack');
    expect(parseTopic('mirrors/m-1/sessions/ack')).toEqual({ deviceId: 'm-1', kind: 'sessionsAck' });
    expect(parseTopic('mirrors/m-1/config/desired')).toEqual({ deviceId: 'm-1', kind: 'configDesired' });
    expect(parseTopic('mirrors/m-1/other')).toBeUndefined();
    expect(parseTopic('elsewhere/m-1/sessions')).toBeUndefined();
  });

  it('refuses device ids that would break out of the topic tree', () => {
    expect(() => topicFor('sessions', '+')).toThrow(/invalid device id/);
    expect(() => topicFor('sessions', 'a/b')).toThrow(/invalid device id/);
    expect(isInsideDeviceTree('mirrors/a/sessions', 'a')).toBe(true);
    expect(isInsideDeviceTree('mirrors/ab/sessions', 'a')).toBe(false);
    expect(isInsideDeviceTree('mirrors/+/sessions', 'a')).toBe(false);
    expect(isInsideDeviceTree('#', 'a')).toBe(false);
  });
});

describe('session payload', () => {
  const good = {
    sessionId: '3b241101-e2bb-4255-8caf-4136c566a962',
    exercise: 'squat',
    reps: 12,
    accuracy: 0.84,
    timestamp: '2026-11-29T08:15:00.000Z',
    duration: 95,
    feedbackPoints: ['Keep knees aligned', 'Great depth'],
  };

  it('accepts the original app fields', () => {
    expect(parseJson(sessionPayloadSchema, JSON.stringify(good))).toMatchObject({ ok: true });
  });

  it('names the bad field in its error', () => {
    const r = parseJson(sessionPayloadSchema, JSON.stringify({ ...good, reps: 2.5 }));
    expect(r).toEqual({ ok: false, error: 'reps: must be a whole number' });
    const t = parseJson(sessionPayloadSchema, JSON.stringify({ ...good, timestamp: '29/11/2026' }));
    expect(t.ok === false && t.error).toMatch(/^timestamp: must be an ISO 8601 UTC time/);
    expect(parseJson(sessionPayloadSchema, '{not json')).toEqual({ ok: false, error: '(payload): is not valid JSON' });
  });
});
