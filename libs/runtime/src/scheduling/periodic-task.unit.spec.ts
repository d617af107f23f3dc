import { describe, expect, it } from '@jest/globals';
import { PeriodicTask } from './periodic-task.js';

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('PeriodicTask', () => {
  it('runs at once, then every interval, never two runs at a time', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const task = new PeriodicTask(
      'probe',
      10,
      async () => {
        running++;
        overlapped ||= running > 1;
        runs++;
        await sleep(30); // longer than the interval
        running--;
      },
      () => undefined,
    );
    task.start();
    await sleep(5);
    expect(runs).toBe(1);
    await sleep(300);
    await task.stop();
    expect(overlapped).toBe(false);
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  it('stop waits for the run in progress and no run starts after it', async () => {
    let finished = false;
    let runs = 0;
    const task = new PeriodicTask(
      'probe',
      5,
      async () => {
        runs++;
        await sleep(100);
        finished = true;
      },
      () => undefined,
    );
    task.start();
    await sleep(20);
    await task.stop();
    expect(finished).toBe(true);
    const after = runs;
    await sleep(100);
    expect(runs).toBe(after);
  });

  it('a failed run is reported and the next one still comes', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const task = new PeriodicTask(
      'probe',
      10,
      async () => {
        runs++;
        if (runs === 1) throw new Error('Google is down');
      },
      (error) => errors.push(error),
    );
    task.start();
    await sleep(200);
    await task.stop();
    expect(errors).toHaveLength(1);
    expect(runs).toBeGreaterThanOrEqual(2);
  });
});
