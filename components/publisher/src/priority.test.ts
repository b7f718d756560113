import { shareBatch } from './priority';

describe('shareBatch', () => {
  it('gives a lone class the whole batch, up to what it has', () => {
    expect(shareBatch([{ weight: 8, queued: 0 }, { weight: 4, queued: 0 }, { weight: 1, queued: 10_000 }], 500)).toEqual([0, 0, 500]);
    expect(shareBatch([{ weight: 8, queued: 3 }, { weight: 4, queued: 0 }, { weight: 1, queued: 0 }], 500)).toEqual([3, 0, 0]);
  });

  it('puts the few critical records into the next batch even when a bulk backlog is huge', () => {
    expect(shareBatch([{ weight: 8, queued: 7 }, { weight: 4, queued: 0 }, { weight: 1, queued: 200_000 }], 500)).toEqual([7, 0, 493]);
  });

  it('keeps lower classes moving while every class has a backlog (no starvation)', () => {
    const q = shareBatch([{ weight: 8, queued: 1e6 }, { weight: 4, queued: 1e6 }, { weight: 1, queued: 1e6 }], 500);
    expect(q.reduce((a, b) => a + b, 0)).toBe(500);
    expect(q[2]).toBeGreaterThanOrEqual(Math.floor(500 / 13));
    expect(q[1]).toBeGreaterThanOrEqual(Math.floor((500 * 4) / 13));
    expect(q[0]).toBeGreaterThan(q[1]!);
  });

  it('serves at least one record of each class with a backlog when the batch is big enough', () => {
    expect(shareBatch([{ weight: 100, queued: 1e6 }, { weight: 1, queued: 1e6 }], 10)).toEqual([9, 1]);
  });

  it('serves the highest classes first when the batch is smaller than the number of classes', () => {
    expect(shareBatch([{ weight: 1, queued: 5 }, { weight: 1, queued: 5 }, { weight: 1, queued: 5 }], 2)).toEqual([1, 1, 0]);
    expect(shareBatch([{ weight: 1, queued: 5 }], 0)).toEqual([0]);
  });

  it('never hands out more than capacity or more than a class has', () => {
    for (let trial = 0; trial < 500; trial++) {
      const classes = Array.from({ length: 1 + (trial % 4) }, (_, i) => ({ weight: 1 + ((trial * 7 + i * 3) % 9), queued: (trial * 31 + i * 17) % 40 }));
      const capacity = (trial * 13) % 60;
      const q = shareBatch(classes, capacity);
      const total = q.reduce((a, b) => a + b, 0);
      expect(total).toBeLessThanOrEqual(capacity);
      expect(total).toBe(Math.min(capacity, classes.reduce((a, c) => a + c.queued, 0)));
      q.forEach((n, i) => expect(n).toBeLessThanOrEqual(classes[i]!.queued));
    }
  });
});
