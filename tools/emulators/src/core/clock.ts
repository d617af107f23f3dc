/** The emulators' clock. Tests move it forward to expire tokens, channels and meetings. */
export class EmulatorClock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  advance(milliseconds: number): Date {
    if (!Number.isFinite(milliseconds) || milliseconds < 0)
      throw new RangeError('the clock only moves forward');
    this.offsetMs += milliseconds;
    return this.now();
  }

  set(to: Date): Date {
    const target = to.getTime() - Date.now();
    if (target < this.offsetMs) throw new RangeError('the clock only moves forward');
    this.offsetMs = target;
    return this.now();
  }
}
