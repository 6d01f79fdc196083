/**
 * How fast virtual time really moves, measured over the last two seconds: a world too heavy for its clock speed
 * runs slower (the worker runs it in slices rather than freeze), and the top bar says so instead of implying ×1.
 */
export class Pace {
  private samples: { real: number; virtual: number }[] = [];

  text(virtual: number, speed: number, real: number): string {
    const s = this.samples;
    if (s.length && (virtual < s[s.length - 1].virtual || speed === 0)) s.length = 0; // a new world, or paused
    if (speed === 0) return '';
    s.push({ real, virtual });
    while (s.length > 2 && real - s[0].real > 2000) s.shift();
    const span = real - s[0].real;
    if (span < 1000) return '';
    const actual = (virtual - s[0].virtual) / span;
    return actual < speed * 0.8 ? `really ×${actual < 0.1 ? actual.toFixed(3) : actual.toFixed(2)}` : '';
  }
}
