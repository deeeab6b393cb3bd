import { describe, expect, it } from 'vitest';
import { periodRange } from '../src/index.ts';

const hours = (range: { fromIso: string; toIso: string }) => (Date.parse(range.toIso) - Date.parse(range.fromIso)) / 3_600_000;

describe('periodRange', () => {
  it('gives today in UTC as midnight to midnight with milliseconds', () => {
    expect(periodRange('today', 'UTC', new Date('2026-11-29T21:30:00Z'))).toEqual({
      fromIso: '2026-11-29T00:00:00.000Z',
      toIso: '2026-11-30T00:00:00.000Z',
    });
  });

  it('uses the local date, not the UTC date: late evening in New York is still "today" there', () => {
    // 02:00 UTC on the 30th is 21:00 on the 29th in New York (UTC-5 in November).
    expect(periodRange('today', 'America/New_York', new Date('2026-11-30T02:00:00Z'))).toEqual({
      fromIso: '2026-11-29T05:00:00.000Z',
      toIso: '2026-11-30T05:00:00.000Z',
    });
    // Early morning in Tokyo (UTC+9) belongs to the next calendar day.
    expect(periodRange('today', 'Asia/Tokyo', new Date('2026-11-29T16:00:00Z')).fromIso).toBe('2026-11-29T15:00:00.000Z');
  });

  it('makes the spring-forward day 23 hours and the fall-back day 25 hours long (Europe/Berlin)', () => {
    const spring = periodRange('today', 'Europe/Berlin', new Date('2026-03-29T12:00:00Z'));
    expect(spring).toEqual({ fromIso: '2026-03-28T23:00:00.000Z', toIso: '2026-03-29T22:00:00.000Z' });
    expect(hours(spring)).toBe(23);
    const autumn = periodRange('today', 'Europe/Berlin', new Date('2026-10-25T12:00:00Z'));
    expect(autumn).toEqual({ fromIso: '2026-10-24T22:00:00.000Z', toIso: '2026-10-25T23:00:00.000Z' });
    expect(hours(autumn)).toBe(25);
  });

  it('starts the day at the DST change where midnight does not exist (America/Santiago, September)', () => {
    // Chile moves clocks from 00:00 to 01:00 (UTC-4 → UTC-3) on 2026-09-06: the day starts at 04:00Z.
    const range = periodRange('today', 'America/Santiago', new Date('2026-09-06T15:00:00Z'));
    expect(range).toEqual({ fromIso: '2026-09-06T04:00:00.000Z', toIso: '2026-09-07T03:00:00.000Z' });
    expect(hours(range)).toBe(23);
  });

  it('gives the ISO week from Monday, also when today is Sunday or Monday', () => {
    // 2026-11-29 is a Sunday; its week began on Monday 23 November.
    expect(periodRange('week', 'UTC', new Date('2026-11-29T23:59:59.999Z'))).toEqual({
      fromIso: '2026-11-23T00:00:00.000Z',
      toIso: '2026-11-30T00:00:00.000Z',
    });
    expect(periodRange('week', 'UTC', new Date('2026-11-30T00:00:00.000Z')).fromIso).toBe('2026-11-30T00:00:00.000Z');
  });

  it('gives a week spanning the DST change 167 hours (Europe/Berlin, last week of March)', () => {
    const week = periodRange('week', 'Europe/Berlin', new Date('2026-03-26T10:00:00Z'));
    expect(week).toEqual({ fromIso: '2026-03-22T23:00:00.000Z', toIso: '2026-03-29T22:00:00.000Z' });
    expect(hours(week)).toBe(167);
  });

  it('gives the calendar month, across a year end and in a leap February', () => {
    expect(periodRange('month', 'UTC', new Date('2026-12-15T00:00:00Z'))).toEqual({
      fromIso: '2026-12-01T00:00:00.000Z',
      toIso: '2027-01-01T00:00:00.000Z',
    });
    expect(periodRange('month', 'Europe/Berlin', new Date('2028-02-10T00:00:00Z'))).toEqual({
      fromIso: '2028-01-31T23:00:00.000Z',
      toIso: '2028-02-29T23:00:00.000Z',
    });
  });

  it('contains now, for many instants and zones', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Kiritimati'];
    for (let ms = Date.parse('2026-01-01T00:00:00Z'); ms < Date.parse('2027-01-01T00:00:00Z'); ms += 37 * 3_600_000 + 1234) {
      for (const zone of zones) {
        for (const period of ['today', 'week', 'month'] as const) {
          const range = periodRange(period, zone, new Date(ms));
          expect(Date.parse(range.fromIso)).toBeLessThanOrEqual(ms);
          expect(Date.parse(range.toIso)).toBeGreaterThan(ms);
        }
      }
    }
  });

  it('refuses an unknown time zone and an unknown period with clear messages', () => {
    expect(() => periodRange('today', 'Europe/Atlantis')).toThrow('unknown time zone "Europe/Atlantis": use an IANA name such as Europe/Berlin or UTC');
    expect(() => periodRange('year' as 'today', 'UTC')).toThrow(/unknown period "year"/);
  });
});
