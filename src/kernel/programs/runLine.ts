/**
 * Why `run` cannot be `name`'s run line (null: it can). It is typed into the terminal with the experimenter's hand
 * when they press Run, so it may only start the program itself (`run "name …"` or `spawn "name …"`, with caps of
 * the shell's): a file or link cannot make Run type `defense gate0 off`.
 */
export function runLineProblem(name: string, run: string): string | null {
  const m = /^(?:run|spawn) "([^"]*)"(?:\s|$)/.exec(run);
  if (m && m[1].trim().split(/\s+/)[0] === name) return null;
  return `the run line starts the program itself: run "${name} …" or spawn "${name} …", got ${JSON.stringify(run.slice(0, 60))}`;
}
