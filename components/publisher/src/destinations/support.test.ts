import { ManualClock } from '../../../core/src';
import { classifyAwsError } from './aws-errors';
import { clipCodePoints, renderTemplate, sampleField, templateProblems, TemplateError } from './mapping';
import { StatusTracker } from './status';
import { sample } from './testing/records';

describe('classifyAwsError', () => {
  const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}), ...extra });

  it.each([
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'unreachable', true],
    [sdkError('TimeoutError'), 'timeout', true],
    [sdkError('ThrottlingException', 400), 'throttled', true],
    [sdkError('ProvisionedThroughputExceededException', 400), 'throttled', true],
    [sdkError('Whatever', 429), 'throttled', true],
    [sdkError('InternalFailure', 500), 'server', true],
    [sdkError('ServiceUnavailableException', 503), 'server', true],
    [sdkError('ResourceNotFoundException', 400), 'config', true],
    [sdkError('AccessDeniedException', 403), 'config', true],
    [sdkError('CredentialsProviderError'), 'config', true],
    [sdkError('ValidationException', 400), 'validation', false],
    [sdkError('InvalidRequestException', 400), 'validation', false],
    [sdkError('SomethingNew', 400), 'validation', false],
    [new Error('socket hang up'), 'unreachable', true],
  ])('%s → %s', (err, kind, transient) => {
    const c = classifyAwsError(err);
    expect([c.kind, c.transient]).toEqual([kind, transient]);
  });
});

describe('mapping helpers', () => {
  it('renders templates and reports missing values', () => {
    const s = sample({ device: 'd1', name: 'rpm', attrs: { line: 'L1' } });
    expect(renderTemplate('x/{device}/{source}/{name}/{attrs.line}/{stream}/{priority}', { sample: s, stream: 'st', priority: 'p' })).toBe('x/d1/obd/rpm/L1/st/p');
    expect(() => renderTemplate('{attrs.nope}', { sample: s })).toThrow(TemplateError);
    expect(sampleField(s, 'attrs.line')).toBe('L1');
    expect(templateProblems('{device}/{bogus}/{attrs.x}')).toEqual(['unknown placeholder {bogus}']);
    expect(clipCodePoints('a😀b', 2)).toBe('a😀');
  });
});

describe('StatusTracker', () => {
  it('goes connecting → connected → backing_off → down and back', () => {
    const clock = new ManualClock(1000);
    const t = new StatusTracker({ clock, downAfterFailures: 3 });
    expect(t.snapshot()).toEqual({ state: 'connecting' });
    t.succeeded();
    expect(t.snapshot()).toEqual({ state: 'connected' });
    t.failed('x_throttled', 'slow down', false);
    expect(t.snapshot()).toMatchObject({ state: 'backing_off', downSince: 1000 });
    clock.advance(500);
    t.failed('x_throttled', 'slow down', false);
    t.failed('x_throttled', 'slow down', false);
    expect(t.snapshot()).toMatchObject({ state: 'down', downSince: 1000, lastError: { at: 1500 } });
    t.succeeded();
    expect(t.snapshot()).toMatchObject({ state: 'connected', lastError: { code: 'x_throttled' } });
    t.failed('x_unreachable', 'refused', true);
    expect(t.snapshot().state).toBe('down');
  });
});
