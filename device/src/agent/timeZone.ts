/**
 * The mirror's time zone (IANA, from the host's settings through Intl): sessions carry it so the
 * gateway can place them in the person's day, and the mirror's own history ranges use it.
 */
export function mirrorTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
