import { UsageError, parseProvisionArgs } from './args';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) => parseProvisionArgs(argv, env, (p) => files[p] ?? '');

describe('sitewise:provision arguments', () => {
  it('reports every problem at once', () => {
    let err: unknown;
    try {
      parse(['--vehicles', '', '--plant', 'sim:5', '--models', 'cars', '--alias-template', '/{nope}/{name}', '--bogus', '--endpoint', 'ftp://x']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    const problems = (err as UsageError).problems.join('\n');
    expect(problems).toMatch(/--vehicles lists no VIN/);
    expect(problems).toMatch(/--plant sim:5: TAGS must be an integer from 6/);
    expect(problems).toMatch(/--models: unknown group cars/);
    expect(problems).toMatch(/unknown placeholder \{nope\}/);
    expect(problems).toMatch(/unknown argument --bogus/);
    expect(problems).toMatch(/--endpoint ftp:\/\/x must be an http/);
  });

  it('needs a region for AWS, not for a local endpoint', () => {
    expect(() => parse(['--vehicles', 'V1'])).toThrow(/--region is required/);
    expect(parse(['--vehicles', 'V1'], { AWS_REGION: 'eu-west-1' }).region).toBe('eu-west-1');
    expect(parse(['--vehicles=V1', '--endpoint=http://127.0.0.1:4523'])).toMatchObject({ region: 'us-east-1', endpoint: 'http://127.0.0.1:4523', dryRun: false });
  });

  it('provisions the models the assets need, all of them without assets', () => {
    const keys = (argv: string[]) => parse([...argv, '--region', 'eu-west-1']).spec.models.map((m) => m.key);
    expect(keys(['--vehicles', 'V1'])).toEqual(['vehicle', 'fleet']);
    expect(keys(['--plant', 'default'])).toEqual(['machine', 'line', 'area', 'site']);
    expect(keys([])).toEqual(['vehicle', 'fleet', 'machine', 'line', 'area', 'site']);
    expect(keys(['--models', 'plant'])).toEqual(['machine', 'line', 'area', 'site']);
  });

  it('reads a plant file of machine paths and checks each', () => {
    const existsPlant = __filename; // any existing path: the file reader is injected
    expect(() => parse(['--plant', existsPlant, '--region', 'r'], {}, { [existsPlant]: JSON.stringify(['/P/Pack/L3/Filler', '/P/Pack/L3']) })).toThrow(/"\/P\/Pack\/L3" is not a \/Site\/Area\/Line\/Machine path/);
    const ok = parse(['--plant', existsPlant, '--region', 'r'], {}, { [existsPlant]: JSON.stringify(['/P/Pack/L3/Filler']) });
    expect(ok.spec.assets.map((a) => a.name)).toEqual(['P', 'P/Pack', 'P/Pack/L3', 'P/Pack/L3/Filler']);
  });
});
