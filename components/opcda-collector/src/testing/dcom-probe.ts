/**
 * Runs as a child process in tests: one connect of the dcom backend with the real node-opc-da
 * (and node-dcom) to `host`, under a hard timeout, then prints the outcome as one JSON line and
 * exits (node-dcom may leave sockets and timers behind). Args: host, callTimeoutMs.
 */
import { errorCode, errorMessage } from '../../../core/src';
import { DcomBackend } from '../backends/dcom';

async function probe(): Promise<void> {
  const host = process.argv[2] ?? '127.0.0.1';
  const callTimeoutMs = Number(process.argv[3] ?? '1500');
  const backend = new DcomBackend({
    host,
    domain: 'WORKGROUP',
    userName: 'probe',
    password: 'probe',
    clsid: 'F8582CF2-88FB-11D0-B850-00C0F0104305',
    callTimeoutMs,
    dataSource: 'cache',
    updateRateMs: 1000,
  });
  const started = Date.now();
  let outcome: Record<string, unknown>;
  try {
    await backend.connect();
    outcome = { connected: true };
  } catch (err) {
    outcome = { code: errorCode(err), message: errorMessage(err) };
  }
  await backend.close();
  process.stdout.write(`${JSON.stringify({ ...outcome, elapsedMs: Date.now() - started })}\n`);
  process.exit(0);
}

void probe();
