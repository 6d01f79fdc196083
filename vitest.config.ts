import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'workers/**/*.test.ts', 'fuzz/**/*.test.ts'],
    environment: 'node',
    // The exhaustive crypto tests (every byte of a handshake or an export flipped) take seconds each on two busy
    // cores; the default 5 s made them fail by the clock, not by a bug.
    testTimeout: 30_000,
  },
});
