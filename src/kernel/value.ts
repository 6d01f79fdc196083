/** Plain data that crosses a call (JSON-shaped, so replays and the shell can show it). */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
