import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkConfig, parseConfigText, validateConfig } from '../../core/src';
import { AggregatorConfigSchema } from './config';
import { ruleProblems } from './rules';

describe('Aggregator config', () => {
  test('config.sample.yaml is valid and states exactly the defaults', () => {
    const file = path.join(__dirname, '..', 'config.sample.yaml');
    const sample = validateConfig(AggregatorConfigSchema, parseConfigText(fs.readFileSync(file, 'utf8'), file));
    expect(sample).toEqual(validateConfig(AggregatorConfigSchema, {}));
  });

  test('every top-level key is in the sample config and in the README', () => {
    const dir = path.join(__dirname, '..');
    const sample = fs.readFileSync(path.join(dir, 'config.sample.yaml'), 'utf8');
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    for (const key of Object.keys(AggregatorConfigSchema.properties)) {
      expect({ key, inSample: new RegExp(`^#?\\s*${key}:`, 'm').test(sample) }).toEqual({ key, inSample: true });
      expect({ key, inReadme: readme.includes(`\`${key}`) }).toEqual({ key, inReadme: true });
    }
  });

  test('defaults: the priority streams and their overflow policies', () => {
    const c = validateConfig(AggregatorConfigSchema, {});
    expect(c.outputs.critical).toEqual({ name: 'tributary.out.critical', persistence: 'File', strategyOnFull: 'RejectNewData', maxSize: 268435456 });
    expect(c.outputs.telemetry.strategyOnFull).toBe('OverwriteOldestData');
    expect(c.outputs.summary.strategyOnFull).toBe('RejectNewData');
    expect(c.routes).toEqual({ events: 'critical', stateMetrics: 'critical', telemetry: 'telemetry', summaries: 'summary' });
    expect(c.events.standard).toContain('opc_alarm');
    expect(ruleProblems(c)).toEqual([]);
  });

  test('numbers as strings (Greengrass), every problem reported', () => {
    expect(validateConfig(AggregatorConfigSchema, { read: { maxMessages: '10' } }).read.maxMessages).toBe(10);
    const r = checkConfig(AggregatorConfigSchema, {
      inputs: [],
      outputs: { critical: { strategyOnFull: 'Drop' } },
      routes: { events: 'nowhere' },
      filters: [{ tag: '' }],
      events: { standard: ['high_speed'], rules: [{ id: 'Bad Id', when: '' }] },
      windows: { sizeMs: 10 },
      extra: true,
    });
    const paths = r.ok ? [] : r.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/inputs', '/outputs/critical/strategyOnFull', '/routes/events', '/filters/0/tag', '/events/standard/0', '/events/rules/0/id', '/events/rules/0/when', '/windows/sizeMs', '/extra']),
    );
  });

  test('rule problems name the path and the expression; duplicates and impossible ranges too', () => {
    const c = validateConfig(AggregatorConfigSchema, {
      filters: [{ tag: 'speed', validity: { min: 10, max: 1 } }, { tag: 'rpm', where: "rpm > 'x" }],
      events: { rules: [{ id: 'a', when: 'speed > 120' }, { id: 'a', when: 'speed > 130' }, { id: 'b', when: 'value > 1' }] },
    });
    expect(ruleProblems(c).map((p) => `${p.path}: ${p.reason}`)).toEqual([
      expect.stringMatching(/^\/filters\/1\/where: invalid expression rpm > 'x: .*column \d+$/),
      '/filters/0/validity: min must not exceed max',
      '/events/rules/2/tag: required: the expression "value > 1" names no tag to watch',
      '/events/rules/1/id: duplicate id "a"',
    ]);
  });
});
