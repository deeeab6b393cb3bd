/**
 * The positive feedback points a mirror's coach may put in a session's `feedbackPoints` (beside
 * its corrections), in every cue language it speaks. Whoever reads feedback points back (the
 * motivational feedback) must tell praise from a fault to work on: "Great depth" is never a
 * focus. device/test/coach-feedback-points.test.ts fails when the coach gains a praise point
 * missing here, or when a correction is listed.
 */
export const PRAISE_POINTS: readonly string[] = [
  // en
  'Full arm reach', 'Good wide stance', 'Steady elbows', 'Full extension', 'Controlled movement', 'Great depth',
  'Straight body line', 'Full lockout', 'Stable core', 'Upright torso', 'Good front knee', 'Knees well aligned', 'Good upright torso',
  // de
  'Volle Armstreckung', 'Guter breiter Stand', 'Ruhige Ellbogen', 'Volle Streckung', 'Kontrollierte Bewegung', 'Tolle Tiefe',
  'Gerade Körperlinie', 'Arme ganz durchgestreckt', 'Stabile Körpermitte', 'Aufrechter Oberkörper', 'Gutes vorderes Knie', 'Knie gut ausgerichtet', 'Guter aufrechter Oberkörper',
  // es
  'Brazos totalmente estirados', 'Buena postura abierta', 'Codos estables', 'Extensión completa', 'Movimiento controlado', 'Gran profundidad',
  'Cuerpo en línea recta', 'Bloqueo completo', 'Core estable', 'Torso erguido', 'Buena rodilla delantera', 'Rodillas bien alineadas', 'Buen torso erguido',
];

const PRAISE = new Set(PRAISE_POINTS.map((p) => p.trim().toLowerCase()));

/** True for a feedback point that praises (compared without case or surrounding space). */
export function isPraisePoint(text: string): boolean {
  return PRAISE.has(text.trim().toLowerCase());
}
