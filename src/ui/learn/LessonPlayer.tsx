import { useState } from 'react';
import { LESSONS, lessonScenario } from '../../content/lessons/lessons';
import { loadScenario } from '../../store/store';
import { plainText } from '../../text/sanitize';
import { useLessonStatus } from './useLessonStatus';

/**
 * Lessons: pick one and start it (its scenario boots with the lesson in it). The kernel checks each step; a step
 * turns green when the state satisfies it, the current one says why it is not done yet, and its hint appears
 * after a wrong try.
 */
export function LessonPlayer() {
  const [id, setId] = useState(LESSONS[0].id);
  const status = useLessonStatus();

  const lesson = LESSONS.find((l) => l.id === id) ?? LESSONS[0];
  const start = () => void loadScenario(lessonScenario(lesson), lesson.title);

  return (
    <div className="lessons" data-testid="lessons">
      <label>
        lesson{' '}
        <select data-testid="lesson-pick" value={id} onChange={(e) => setId(e.target.value)}>
          {LESSONS.map((l, i) => (
            <option key={l.id} value={l.id}>
              {i + 1}. {l.title}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="button" className="button" data-testid="lesson-start" onClick={start}>
        Start
      </button>
      <p className="muted">{lesson.summary}</p>
      {status && (
        <>
          <h4>{plainText(status.title)}</h4>
          <ol className="lesson-steps">
            {status.steps.map((s) => (
              <li key={s.index} data-testid="lesson-step" data-state={s.state} className={`lesson-step ${s.state}`}>
                <div>
                  {s.state === 'done' ? '✓ ' : ''}
                  {plainText(s.goal)}
                </div>
                {s.state === 'current' && (
                  <>
                    <div className="muted">{plainText(s.why)}</div>
                    {status.tries > 0 && (
                      <div className="lesson-hint" data-testid="lesson-hint">
                        hint: <code>{plainText(s.hint)}</code>
                      </div>
                    )}
                  </>
                )}
              </li>
            ))}
          </ol>
          {status.done && (
            <p className="lesson-done" data-testid="lesson-done">
              ✓ Lesson complete.
            </p>
          )}
        </>
      )}
    </div>
  );
}
