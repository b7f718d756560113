/**
 * Command-line options of the ELM327 emulator (`main.ts`), parsed with every problem listed.
 *
 *   --port 35000  --host 127.0.0.1  --profile can|legacy  --latency 50  --uncounted-wait 0  --pty [path]
 *   --faults noData=0.05,garbage=0.01  --seed 1  --vin 1HGCM82633A004352  --ignition on|off
 */
import { FAULT_KINDS, FaultKind, FaultProbabilities } from './faults';
import { Elm327ServerOptions } from './server';

export interface Elm327CliOptions {
  server: Elm327ServerOptions;
  vin?: string;
  ignition: boolean;
}

export function parseElm327Args(argv: readonly string[]): Elm327CliOptions {
  const problems: string[] = [];
  const server: Elm327ServerOptions = {};
  const out: Elm327CliOptions = { server, ignition: true };
  const num = (flag: string, v: string | undefined, max: number): number | undefined => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0 || n > max) {
      problems.push(`${flag}: expected an integer 0..${max}, got ${JSON.stringify(v ?? null)}`);
      return undefined;
    }
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    const next = argv[i + 1];
    const take = (): string | undefined => {
      i += 1;
      return next;
    };
    switch (flag) {
      case '--port':
        server.port = num(flag, take(), 65535);
        break;
      case '--host':
        server.host = take();
        break;
      case '--profile': {
        const v = take();
        if (v === 'can' || v === 'legacy') server.profile = v;
        else problems.push(`--profile: expected can or legacy, got ${JSON.stringify(v ?? null)}`);
        break;
      }
      case '--latency':
        server.ecuLatencyMs = num(flag, take(), 60_000);
        break;
      case '--uncounted-wait':
        server.uncountedWaitMs = num(flag, take(), 60_000);
        break;
      case '--seed':
        server.faultSeed = num(flag, take(), 2 ** 31);
        break;
      case '--pty':
        server.pty = next !== undefined && !next.startsWith('--') ? (take() as string) : true;
        break;
      case '--vin':
        out.vin = take();
        break;
      case '--ignition': {
        const v = take();
        if (v === 'on' || v === 'off') out.ignition = v === 'on';
        else problems.push(`--ignition: expected on or off, got ${JSON.stringify(v ?? null)}`);
        break;
      }
      case '--faults': {
        const probabilities: FaultProbabilities = {};
        for (const part of (take() ?? '').split(',').filter((p) => p !== '')) {
          const [kind, value] = part.split('=');
          if (!FAULT_KINDS.includes(kind as FaultKind)) problems.push(`--faults: unknown fault "${kind}" (one of ${FAULT_KINDS.join(', ')})`);
          else probabilities[kind as FaultKind] = Number(value);
        }
        server.faults = probabilities;
        break;
      }
      default:
        problems.push(`${flag}: unknown option`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid options:\n  ${problems.join('\n  ')}`);
  return out;
}
