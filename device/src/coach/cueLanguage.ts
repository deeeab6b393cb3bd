/**
 * Cue catalogues: the English cue and feedback-point texts of the exercise modules are the keys;
 * one JSON file per language in ./cueLanguages/ gives their translations. English is the
 * fallback for a text a catalogue lacks (tests check every catalogue has every text).
 */
import { CUE_LANGUAGE_CODES } from '@pose-coach/protocol';
import de from './cueLanguages/de.json' with { type: 'json' };
import es from './cueLanguages/es.json' with { type: 'json' };

export const CUE_LANGUAGES = CUE_LANGUAGE_CODES; // one list with the fleet's config keys (protocol)
export type CueLanguage = (typeof CUE_LANGUAGES)[number];

export const CUE_CATALOGUES: Record<Exclude<CueLanguage, 'en'>, Record<string, string>> = { de, es };

/** Turns an English cue or feedback point into `language`. */
export function cueTranslator(language: CueLanguage = 'en'): (english: string) => string {
  if (language === 'en') return (s) => s;
  const book = CUE_CATALOGUES[language];
  if (!book) throw new Error(`unknown cue language "${String(language)}"; known: ${CUE_LANGUAGES.join(', ')}`);
  return (s) => book[s] ?? s;
}
