/**
 * Pairing types, access classes and Diode levels: plain data with no crypto behind it, so the UI can import it
 * without pulling the curves into the page.
 */

export const PAIRING_TYPES = ['ADMIN', 'INPUT', 'USER', 'INTERFACE'] as const;
export type PairingType = (typeof PAIRING_TYPES)[number];

/** What a service method does, for pairing attenuation and the Diode. */
export const ACCESS_BITS = ['meta', 'read', 'write', 'admin', 'telemetry'] as const;
export type Access = (typeof ACCESS_BITS)[number];

/** Telemetry may flow up the Diode only as plain, short text: control characters out, length bounded. */
export function sanitizeTelemetry(v: unknown): string | number | boolean | null {
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  return String(v)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .slice(0, 120);
}

/** What crosses a pairing of each type (seed 001's table). Telemetry (sanitised, upward) crosses any. */
export const TYPE_ALLOWS: Readonly<Record<PairingType, ReadonlySet<Access>>> = {
  ADMIN: new Set<Access>(['meta', 'read', 'write', 'admin', 'telemetry']),
  INPUT: new Set<Access>(['meta', 'read', 'write', 'telemetry']),
  USER: new Set<Access>(['meta', 'read', 'telemetry']),
  INTERFACE: new Set<Access>(['meta', 'telemetry']),
};

export const TYPE_MEANS: Readonly<Record<PairingType, string>> = {
  ADMIN: 'absolute: VM and hardware control, migration, key management',
  INPUT: 'read / write (the default)',
  USER: 'read-only',
  INTERFACE: 'metadata only: counts and names, never contents',
};

/** Which pairing types allow an access, for error messages ("write needs INPUT or ADMIN"). */
export function typesAllowing(access: Access): string {
  return PAIRING_TYPES.filter((t) => TYPE_ALLOWS[t].has(access)).join(' or ');
}

/**
 * The Diode: machines sit at levels, 0 the authority (console, orchestration) and higher numbers further
 * downstream (the Totebox vault, then the MediaKit edge). Commands flow only to the same level or down.
 */
export const ROLE_LEVEL: Readonly<Record<string, number>> = { console: 0, orchestration: 0, totebox: 1, mediakit: 2 };
