/**
 * A tiny gpsd-protocol fake for tests (Debian's gpsd is not installed here): it answers a
 * client with VERSION, waits for ?WATCH, then sends the reports given with send().
 */
import * as net from 'node:net';

export class GpsdFake {
  private server?: net.Server;
  private readonly clients = new Set<net.Socket>();
  private readonly watching = new Set<net.Socket>();
  /** Commands received from clients, in order. */
  readonly commands: string[] = [];
  port = 0;

  async start(): Promise<void> {
    this.server = net.createServer((socket) => {
      this.clients.add(socket);
      socket.on('close', () => {
        this.clients.delete(socket);
        this.watching.delete(socket);
      });
      socket.on('error', () => undefined);
      socket.write('{"class":"VERSION","release":"3.22","rev":"fake","proto_major":3,"proto_minor":14}\n');
      let buf = '';
      socket.on('data', (d) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf(';')) >= 0) {
          const cmd = buf.slice(0, i + 1).trim();
          buf = buf.slice(i + 1);
          this.commands.push(cmd);
          if (cmd.startsWith('?WATCH=') && cmd.includes('"enable":true')) {
            this.watching.add(socket);
            socket.write('{"class":"DEVICES","devices":[{"class":"DEVICE","path":"/dev/fake","activated":"2024-01-01T00:00:00.000Z"}]}\n');
            socket.write('{"class":"WATCH","enable":true,"json":true}\n');
          }
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  get watchers(): number {
    return this.watching.size;
  }

  /** Sends one report (object → JSON line, or a raw string) to every watching client. */
  send(report: object | string): void {
    const line = typeof report === 'string' ? report : JSON.stringify(report) + '\n';
    for (const s of this.watching) s.write(line);
  }

  /** Drops every client connection (as gpsd restarting would). */
  dropClients(): void {
    for (const s of this.clients) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export { waitFor } from '../../../../test/helpers/wait';
