/**
 * The statistics of one open window: count, mean and variance (Welford), min, max, first, last,
 * quality, and the values themselves for median and mode — kept up to `maxValues`, after which
 * a uniform reservoir sample (Algorithm R, seeded PRNG so a restored window draws the same) is kept.
 */

/** First or last value of a window: by event time, ties by arrival. */
export interface Edge {
  value: number;
  ts: number;
}

/** Plain-JSON state of one open window (part of a snapshot). */
export interface WindowStatsState {
  n: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  first: Edge;
  last: Edge;
  allGood: boolean;
  /** All values while n ≤ maxValues, otherwise a uniform reservoir of maxValues of them. */
  values: number[];
  /** PRNG state for the reservoir (mulberry32). */
  rng: number;
}

export interface ComputedStats {
  count: number;
  mean: number;
  median: number;
  mode: number;
  variance: number;
  stdev: number;
  min: number;
  max: number;
  first: number;
  last: number;
  allGood: boolean;
  approximate: boolean;
}

export function emptyStats(seed: number): WindowStatsState {
  return {
    n: 0,
    mean: 0,
    m2: 0,
    min: Infinity,
    max: -Infinity,
    first: { value: 0, ts: Infinity },
    last: { value: 0, ts: -Infinity },
    allGood: true,
    values: [],
    rng: seed >>> 0,
  };
}

/** mulberry32: returns [uniform in [0,1), next state]. */
function nextRandom(state: number): [number, number] {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, s];
}

export function addValue(w: WindowStatsState, value: number, ts: number, good: boolean, maxValues: number): void {
  w.n += 1;
  const delta = value - w.mean;
  w.mean += delta / w.n;
  w.m2 += delta * (value - w.mean);
  if (value < w.min) w.min = value;
  if (value > w.max) w.max = value;
  // In place (no allocation per value); snapshots copy these objects.
  if (ts < w.first.ts) {
    w.first.value = value;
    w.first.ts = ts;
  }
  if (ts >= w.last.ts) {
    w.last.value = value;
    w.last.ts = ts;
  }
  if (!good) w.allGood = false;
  if (w.values.length < maxValues) {
    w.values.push(value);
  } else {
    const [r, next] = nextRandom(w.rng);
    w.rng = next;
    const j = Math.floor(r * w.n);
    if (j < maxValues) w.values[j] = value;
  }
}

export function computeStats(w: WindowStatsState): ComputedStats {
  const sorted = Float64Array.from(w.values).sort();
  const k = sorted.length;
  const median = k % 2 === 1 ? sorted[(k - 1) >> 1] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
  // Mode: the longest run of equal values in ascending order; the first (smallest) wins ties.
  let mode = sorted[0];
  let best = 0;
  for (let i = 0; i < k; ) {
    let j = i + 1;
    while (j < k && sorted[j] === sorted[i]) j++;
    if (j - i > best) {
      best = j - i;
      mode = sorted[i];
    }
    i = j;
  }
  const variance = w.n > 0 ? Math.max(0, w.m2 / w.n) : 0;
  return {
    count: w.n,
    mean: w.mean,
    median,
    mode,
    variance,
    stdev: Math.sqrt(variance),
    min: w.min,
    max: w.max,
    first: w.first.value,
    last: w.last.value,
    allGood: w.allGood,
    approximate: w.n > k,
  };
}
