/**
 * Process lifecycle for a component's main.ts: run until SIGTERM/SIGINT, stop (flush), exit.
 * Greengrass stops a component with SIGTERM and waits for it to exit, so a stop that hangs
 * must not hang the deployment: after `timeoutMs`, or on a second signal, exit non-zero.
 */
import { Clock, TimerHandle, systemClock } from './clock';
import { LogFields, LogLevel, Logger } from './logger';

/** The part of `process` this module uses; tests pass a fake. */
export interface ProcessLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  exit(code: number): void;
}

export interface RunOptions {
  /** Builds and starts the component. A failure is logged, stop() is called, and the process exits 1. */
  start(): Promise<void> | void;
  /** Stops the component and flushes what it holds. Must be safe to call after a failed start. */
  stop(): Promise<void> | void;
  logger: Logger;
  /** Default ['SIGTERM', 'SIGINT']. */
  signals?: NodeJS.Signals[];
  /** How long stop() may take before the process exits 1 anyway. Default 10 000 ms. */
  timeoutMs?: number;
  /** Default: the real `process`. */
  process?: ProcessLike;
  clock?: Clock;
  /** Stop when the Node IPC channel to the parent closes. Default: when there is such a channel. */
  stopWhenParentGone?: boolean;
}

/** Exit codes used by `runUntilSignal`. */
export const ExitCode = { Ok: 0, Failed: 1 } as const;

/**
 * Starts the component and waits for a signal; then stops it and calls `exit(0)`. Exits 1 if
 * start or stop fails, if stop takes longer than `timeoutMs`, or on a second signal while
 * stopping. Resolves with the exit code once exit has been called (only seen in tests).
 */
export function runUntilSignal(options: RunOptions): Promise<number> {
  const proc = options.process ?? process;
  const clock = options.clock ?? systemClock;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { logger } = options;

  return new Promise<number>((resolve) => {
    let phase: 'starting' | 'running' | 'stopping' | 'done' = 'starting';
    let timer: TimerHandle | undefined;
    let started: Promise<void> = Promise.resolve();

    const finish = (code: number, level: LogLevel, msg: string, fields?: LogFields): void => {
      if (phase === 'done') return;
      phase = 'done';
      clock.clearTimeout(timer);
      for (const s of signals) proc.removeListener(s, onSignal);
      proc.removeListener('disconnect', onDisconnect);
      logger.log(level, msg, { ...fields, exitCode: code });
      proc.exit(code);
      resolve(code);
    };

    const beginStop = (exitCode: number, fields: LogFields): void => {
      phase = 'stopping';
      timer = clock.setTimeout(
        () => finish(ExitCode.Failed, 'error', 'Stop did not finish in time; exiting without a clean stop.', { timeoutMs }),
        timeoutMs,
      );
      started
        .catch(() => undefined)
        .then(() => options.stop())
        .then(
          () => finish(exitCode, exitCode === ExitCode.Ok ? 'info' : 'error', 'Stopped.', fields),
          (err: unknown) => finish(ExitCode.Failed, 'error', 'Stop failed; exiting.', { ...fields, err }),
        );
    };

    const onSignal = (signal: NodeJS.Signals): void => {
      if (phase === 'done') return;
      if (phase === 'stopping') {
        finish(ExitCode.Failed, 'error', 'Second signal while stopping; exiting now.', { signal });
        return;
      }
      logger.info('Stopping.', { signal });
      beginStop(ExitCode.Ok, { signal });
    };

    for (const s of signals) proc.on(s, onSignal);
    // Started by a parent through a Node IPC channel (the local runner does): if that parent goes
    // away, even by SIGKILL, the channel closes — stop as on SIGTERM instead of living on as an
    // orphan. Greengrass starts components without one, so there this never fires.
    const onDisconnect = (): void => {
      if (phase === 'done' || phase === 'stopping') return;
      logger.info('Stopping: the parent process that started this one is gone.', { signal: 'disconnect' });
      beginStop(ExitCode.Ok, { reason: 'parent_gone' });
    };
    const watchParent = options.stopWhenParentGone ?? typeof (proc as { send?: unknown }).send === 'function';
    if (watchParent) proc.on('disconnect', onDisconnect);

    started = Promise.resolve().then(() => options.start());
    started.then(
      () => {
        if (phase !== 'starting') return;
        phase = 'running';
        logger.info('Started.');
      },
      (err: unknown) => {
        if (phase !== 'starting') return;
        logger.error('Start failed; stopping.', { err });
        beginStop(ExitCode.Failed, { reason: 'start_failed' });
      },
    );
  });
}

export interface ProcessGuardOptions {
  process?: ProcessLike;
  /** Exit 1 after logging an uncaught exception (the process state is unknown). Default true. */
  exitOnUncaughtException?: boolean;
  /** Exit 1 after logging an unhandled rejection. Default false: log it and keep running. */
  exitOnUnhandledRejection?: boolean;
}

export interface ProcessGuards {
  /**
   * Declares a known-harmless error (e.g. a library's stray rejection after a socket
   * closed): matching errors are logged at debug with `ignored: name` instead of error.
   * Returns a function that removes the rule.
   */
  ignore(name: string, matches: (err: unknown) => boolean): () => void;
  /** Removes the process listeners. */
  uninstall(): void;
}

/**
 * Logs `uncaughtException` and `unhandledRejection` as JSON lines at error level instead of
 * letting Node print a bare stack, and process warnings as JSON lines at warn level instead of
 * Node's plain-text print. Call once at start-up, before anything can throw.
 */
export function installProcessGuards(logger: Logger, options: ProcessGuardOptions = {}): ProcessGuards {
  const proc = options.process ?? process;
  const exitOnUncaught = options.exitOnUncaughtException ?? true;
  const exitOnRejection = options.exitOnUnhandledRejection ?? false;
  const rules = new Map<string, (err: unknown) => boolean>();

  const ignoredBy = (err: unknown): string | undefined => {
    for (const [name, matches] of rules) {
      try {
        if (matches(err)) return name;
      } catch {
        // A broken matcher must not hide the error.
      }
    }
    return undefined;
  };

  const onUncaught = (err: unknown, origin?: string): void => {
    const ignored = ignoredBy(err);
    if (ignored !== undefined) {
      logger.debug('Ignored a known harmless uncaught exception.', { ignored, err });
      return;
    }
    logger.error(exitOnUncaught ? 'Uncaught exception; exiting.' : 'Uncaught exception.', { err, origin });
    if (exitOnUncaught) proc.exit(ExitCode.Failed);
  };

  const onRejection = (reason: unknown): void => {
    const ignored = ignoredBy(reason);
    if (ignored !== undefined) {
      logger.debug('Ignored a known harmless unhandled rejection.', { ignored, err: reason });
      return;
    }
    logger.error(exitOnRejection ? 'Unhandled promise rejection; exiting.' : 'Unhandled promise rejection.', { err: reason });
    if (exitOnRejection) proc.exit(ExitCode.Failed);
  };

  proc.on('uncaughtException', onUncaught);
  proc.on('unhandledRejection', onRejection);

  // Node prints process warnings (deprecations, a library's notices) as plain text on stderr;
  // log them as JSON lines instead, once per distinct warning.
  const seenWarnings = new Set<string>();
  const onWarning = (w: Error & { code?: string }): void => {
    const key = `${w.name}|${w.code ?? ''}|${w.message}`;
    if (seenWarnings.has(key)) return;
    seenWarnings.add(key);
    logger.warn('Node.js process warning.', { name: w.name, ...(w.code ? { code: w.code } : {}), warning: w.message.replace(/\s*\n\s*/g, ' ').trim() });
  };
  const withListeners = proc as ProcessLike & { listeners?(event: string): Array<(...args: any[]) => void> };
  const nodeWarningPrinters = typeof withListeners.listeners === 'function' ? withListeners.listeners('warning') : [];
  for (const l of nodeWarningPrinters) proc.removeListener('warning', l);
  proc.on('warning', onWarning);

  return {
    ignore(name, matches) {
      rules.set(name, matches);
      return () => {
        if (rules.get(name) === matches) rules.delete(name);
      };
    },
    uninstall() {
      proc.removeListener('uncaughtException', onUncaught);
      proc.removeListener('unhandledRejection', onRejection);
      proc.removeListener('warning', onWarning);
      for (const l of nodeWarningPrinters) proc.on('warning', l);
    },
  };
}
