import { galleryEntry, GALLERY, type GalleryEntry } from '../../content/gallery/entries';
import { BUILT_IN_SCENARIOS } from '../../content/scenarios';
import { plainText } from '../../text/sanitize';

/** What an embed shows: one built-in scenario and, if asked for, one gallery entry's player. */
export interface EmbedRequest {
  scenario: (typeof BUILT_IN_SCENARIOS)[number];
  entry: GalleryEntry | null;
}

/** `?embed=1` asks for the embed (src/main.tsx chooses it before anything starts). */
export const isEmbed = (search: string): boolean => new URLSearchParams(search).get('embed') === '1';

/** A name from the URL, as a person may read it back: control characters out, and not too long. */
const quoted = (s: string) => `"${plainText(s.length > 40 ? `${s.slice(0, 40)}…` : s)}"`;

/**
 * Read `?scenario=<built-in id>&gallery=<entry id>` (both optional: the scenario defaults to the entry's, or the
 * default one). An id that names nothing is refused with a sentence that lists the ones that exist.
 */
export function readEmbed(search: string): { ok: true; request: EmbedRequest } | { ok: false; error: string } {
  const q = new URLSearchParams(search);
  const entryId = q.get('gallery');
  const entry = entryId === null || entryId === '' ? null : (galleryEntry(entryId) ?? null);
  if (entryId && !entry)
    return { ok: false, error: `There is no gallery entry ${quoted(entryId)}. Entries: ${GALLERY.map((g) => g.id).join(', ')}.` };
  const scenarioId = q.get('scenario') || entry?.scenario || 'default';
  const scenario = BUILT_IN_SCENARIOS.find((s) => s.id === scenarioId);
  if (!scenario)
    return {
      ok: false,
      error: `There is no built-in scenario ${quoted(scenarioId)}. Scenarios: ${BUILT_IN_SCENARIOS.map((s) => s.id).join(', ')}.`,
    };
  return { ok: true, request: { scenario, entry } };
}
