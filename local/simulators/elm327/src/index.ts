/** ELM327 emulator: a simulated car, the adapter's command interpreter, and TCP / pty servers. */
export * from './vehicle';
export * from './pids';
export * from './faults';
export * from './emulator';
export * from './server';
export * from './options';
