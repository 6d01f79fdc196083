// What e2e/challenges.spec.ts loads through tsx (the CLI's module graph, JSON imports and all) to grade an export.
export { gradeFile } from '../src/cli/grade';
export { loadEngine } from '../src/kernel/programs/engine';
