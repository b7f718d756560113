import { Socket, connect } from 'net';
import { Elm327Server, findSocat } from './server';
import { Vehicle } from './vehicle';

/** A raw TCP client that reads up to the `>` prompt, with a deadline. */
class RawClient {
  private data = '';
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      this.data += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Everything up to and including the next `>`; rejects after `ms`. */
  async untilPrompt(ms = 2000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.data.indexOf('>');
      if (i >= 0) {
        const out = this.data.slice(0, i + 1);
        this.data = this.data.slice(i + 1);
        return out;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) throw new Error(`no prompt (closed=${this.closed}), got ${JSON.stringify(this.data)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Whatever arrives within `ms`. */
  async collect(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    const out = this.data;
    this.data = '';
    return out;
  }

  async command(cmd: string): Promise<string> {
    this.write(`${cmd}\r`);
    return this.untilPrompt();
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('Elm327Server over TCP', () => {
  let server: Elm327Server;
  const clients: RawClient[] = [];
  const open = async (): Promise<RawClient> => {
    const c = await RawClient.open(server.port);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    let t = 1_700_000_000_000;
    server = new Elm327Server({ port: 0, ecuLatencyMs: 50, vehicle: new Vehicle({ now: () => t, vin: 'UU1B5220X65966756' }) });
    await server.start();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.stop();
  });

  it('answers a client byte for byte, the OBD reply after the ECU latency', async () => {
    expect(server.port).toBeGreaterThan(0);
    const c = await open();
    expect(await c.command('ATZ')).toBe('ATZ\r\r\rELM327 v1.5\r\r>');
    expect(await c.command('ATE0')).toBe('ATE0\rOK\r\r>');
    expect(await c.command('ATH1')).toBe('OK\r\r>');
    const started = Date.now();
    expect(await c.command('010D')).toBe('SEARCHING...\r7E8 03 41 0D 00 \r\r>');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(await c.command('0902')).toBe('7E8 10 14 49 02 01 55 55 31 \r7E8 21 42 35 32 32 30 58 36 \r7E8 22 35 39 36 36 37 35 36 \r\r>');
  });

  it('gives each connection its own adapter state', async () => {
    const a = await open();
    const b = await open();
    expect(server.connectionCount).toBe(2);
    await a.command('ATE0');
    await a.command('ATH1');
    await b.command('ATE0');
    await b.command('ATS0');
    a.write('010D\r');
    b.write('010D\r');
    const [ra, rb] = await Promise.all([a.untilPrompt(), b.untilPrompt()]);
    expect(ra).toBe('SEARCHING...\r7E8 03 41 0D 00 \r\r>');
    expect(rb).toBe('SEARCHING...\r410D00\r\r>');
  });

  it('closes the socket on a disconnect fault and serves the next connection', async () => {
    const c = await open();
    await c.command('ATE0');
    server.faults.inject('disconnect');
    c.write('010D\r');
    await expect(c.untilPrompt(1000)).rejects.toThrow(/closed=true/);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.connectionCount).toBe(0);
    const d = await open();
    expect(await d.command('ATI')).toBe('ATI\rELM327 v1.5\r\r>');
  });

  it('leaves an unanswered command without a prompt; a CR afterwards resyncs', async () => {
    const c = await open();
    await c.command('ATE0');
    server.faults.inject('unanswered');
    c.write('010D\r');
    expect(await c.collect(150)).toBe('');
    // A bare CR repeats the last command, which now gets through.
    expect(await c.command('')).toBe('SEARCHING...\r41 0D 00 \r\r>');
  });

  it('prints STOPPED when a command arrives during an OBD request and drops both', async () => {
    const c = await open();
    await c.command('ATE0');
    await c.command('ATSP6');
    c.write('010D\r');
    await new Promise((r) => setTimeout(r, 10));
    c.write('ATE1\r');
    expect(await c.untilPrompt()).toBe('STOPPED\r\r>');
    expect(await c.collect(120)).toBe('');
    // ATE1 did not run: no echo.
    expect(await c.command('ATI')).toBe('ELM327 v1.5\r\r>');
    // Two commands in one write: the second interrupts the first.
    c.write('010D\r010C\r');
    expect(await c.untilPrompt()).toBe('STOPPED\r\r>');
    // LF after CR (python-OBD 0.7.0 sends CR LF) does not interrupt.
    c.write('010D\r\n');
    expect(await c.untilPrompt()).toBe('41 0D 00 \r\r>');
  });

  it('stops with open connections and can start again', async () => {
    const c = await open();
    await c.command('ATI');
    await server.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(c.closed).toBe(true);
    await server.start();
    const d = await open();
    expect(await d.command('ATI')).toBe('ATI\rELM327 v1.5\r\r>');
  });
});

describe('Elm327Server over a pty', () => {
  const socat = findSocat();

  it('skips the pty with a clear reason when socat is missing', async () => {
    const server = new Elm327Server({ pty: true });
    await server.start();
    try {
      if (socat === undefined) {
        expect(server.ptyPath).toBeUndefined();
        expect(server.ptySkipReason).toMatch(/socat is not installed/);
      } else {
        expect(server.ptyPath).toBeDefined();
      }
    } finally {
      await server.stop();
    }
  });

  (socat === undefined ? it.skip : it)('answers over the pty (socat present)', async () => {
    const { SerialPort } = await import('serialport');
    const server = new Elm327Server({ pty: true, ecuLatencyMs: 10 });
    await server.start();
    const path = server.ptyPath as string;
    const port = new SerialPort({ path, baudRate: 38400, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      let data = '';
      port.on('data', (d: Buffer) => (data += d.toString('latin1')));
      port.write('ATI\r');
      const deadline = Date.now() + 3000;
      while (!data.includes('>') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(data).toBe('ATI\rELM327 v1.5\r\r>');
    } finally {
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      await server.stop();
    }
  });
});
