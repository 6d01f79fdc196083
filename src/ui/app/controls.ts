import { appStore } from '../../store/store';

/** The experimenter's controls go through the shell's own commands (clock, defense), so they land in the command log like typed ones. */
export function runControl(line: string): void {
  appStore
    .getState()
    .kernel?.exec(line)
    .catch(() => {});
}
