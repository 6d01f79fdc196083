import { useEffect, useState } from 'react';
import { CHALLENGES, challengeLesson, challengeScenario, isChallengeScenario, type Challenge } from '../../content/challenges/challenges';
import { DEFENSES } from '../../kernel/sab/layout';
import { loadScenario, useApp } from '../../store/store';
import { useFrameValue } from '../../store/useFrame';
import { plainText } from '../../text/sanitize';
import { useLessonStatus } from './useLessonStatus';

/**
 * Capture-the-flag challenges: each one's title, the caps its program starts with (its run line), the flag, and
 * the defense to turn off for the win. Start boots its scenario with the template as program "thief"; the
 * state is the kernel's check of the flag in the session open now (a challenge not open is just "not open").
 */
export function ChallengeList() {
  const kernel = useApp((s) => s.kernel);
  const status = useLessonStatus();

  // The title alone proves nothing (a file may carry it over an easier check): the open scenario must be the
  // challenge's own, programs aside. Read once per world booted (a rare bulk read).
  const title = status?.title ?? null;
  const gen = useFrameValue((f) => f.scenarioGen, 0);
  const [scenario, setScenario] = useState<{ title: string; gen: number; text: string } | null>(null);
  useEffect(() => {
    if (!kernel || title === null) return;
    let live = true;
    kernel.session().then(
      (s) => live && setScenario({ title, gen, text: s.scenario }),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [kernel, title, gen]);
  const stateOf = (c: Challenge) =>
    status?.title !== challengeLesson(c).title ||
    scenario?.title !== status.title ||
    scenario.gen !== gen ||
    !isChallengeScenario(c, scenario.text)
      ? 'not open'
      : status.done
        ? 'captured'
        : 'not captured';

  return (
    <div className="challenges" data-testid="challenges">
      <p className="muted">
        Write the program <code>thief</code> (in the Programs tab, or in a scenario file you load) and run it with the caps its line grants.
        The kernel decides whether the flag is captured: with every defense on it holds; turn the named one off to win.
      </p>
      <ol className="challenge-list">
        {CHALLENGES.map((c) => {
          const state = stateOf(c);
          const why = state === 'not open' ? '' : (status?.steps[0]?.why ?? '');
          const defense = DEFENSES.find((d) => d.id === c.defense)!;
          return (
            <li key={c.id} className={`challenge ${state.replace(' ', '-')}`} data-testid="challenge" data-id={c.id} data-state={state}>
              <div className="challenge-head">
                <strong>{c.title}</strong>
                <span className="challenge-state" data-testid="challenge-state">
                  {state === 'captured' ? '⚑ captured' : state}
                </span>
                <button
                  type="button"
                  className="button"
                  data-testid="challenge-start"
                  onClick={() => void loadScenario(challengeScenario(c), challengeLesson(c).title)}
                >
                  {state === 'not open' ? 'Start' : 'Restart'}
                </button>
              </div>
              <div className="muted">{c.summary}</div>
              <dl>
                <dt>starts with</dt>
                <dd>
                  <code>{c.run}</code>
                </dd>
                <dt>flag</dt>
                <dd>{c.flag}</dd>
                <dt>to win</dt>
                <dd>
                  turn off {defense.label} (<code>defense {c.defense} off</code>) — {c.seed}
                </dd>
              </dl>
              {why && <div className="muted challenge-why">{plainText(why)}</div>}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
