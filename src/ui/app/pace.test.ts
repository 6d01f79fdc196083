import { describe, expect, it } from 'vitest';
import { Pace } from './pace';

describe('the clock pace in the top bar', () => {
  it('says nothing while the world keeps up, and the real rate when it falls behind', () => {
    const keeping = new Pace();
    let text = '';
    for (let t = 0; t <= 3000; t += 16) text = keeping.text(t, 1, t);
    expect(text).toBe('');
    const heavy = new Pace();
    for (let t = 0; t <= 3000; t += 16) text = heavy.text(t * 0.02, 1, t);
    expect(text).toBe('really ×0.020');
    const fast = new Pace();
    for (let t = 0; t <= 3000; t += 16) text = fast.text(t * 3, 5, t);
    expect(text).toBe('really ×3.00');
  });

  it('starts over when the clock pauses or a new world starts', () => {
    const p = new Pace();
    for (let t = 0; t <= 3000; t += 16) p.text(t * 0.02, 1, t);
    expect(p.text(60, 0, 3016)).toBe('');
    expect(p.text(60, 1, 3032)).toBe(''); // too soon to tell
  });
});
