/** Builds the engine and its destinations from a validated, checked configuration. */
import * as path from 'node:path';
import { CheckpointStore, errorMessage, type Clock, type Health, type Logger } from '../../core/src';
import { publisherSettingsOf, type PublisherConfig } from './config';
import { createDestination, type DestinationDeps } from './destinations';
import { Publisher, type StreamAdmin } from './publisher';

export interface BuildDeps {
  readonly streams: StreamAdmin;
  readonly health: Health;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Base for a relative checkpointDir. Default process.cwd(). */
  readonly workDir?: string;
  readonly destinationDeps?: Omit<DestinationDeps, 'logger'>;
}

/** Throws ConfigError when a destination cannot be built (e.g. no region). Connects nothing. */
export function buildPublisher(config: PublisherConfig, deps: BuildDeps): Publisher {
  const destinations = config.destinations.map((d) =>
    createDestination(d, { ...deps.destinationDeps, logger: deps.logger.child({ destination: d.name }) }),
  );
  return new Publisher(publisherSettingsOf(config), {
    streams: deps.streams,
    destinations,
    checkpoints: new CheckpointStore(path.resolve(deps.workDir ?? process.cwd(), config.checkpointDir)),
    health: deps.health,
    logger: deps.logger,
    clock: deps.clock,
  });
}

/**
 * The running publisher across configuration updates: an update builds the new engine first
 * (a config that cannot be built leaves the running one alone), then stops the old one (sends in
 * flight finish, checkpoints are saved) and starts the new one, which resumes from those
 * checkpoints. Updates are applied one at a time, in order.
 */
export class PublisherService<C> {
  private current: Publisher | undefined;
  private applying: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly build: (config: C) => Publisher,
    private readonly logger: Logger,
  ) {}

  /** Builds (throws ConfigError when it cannot) and starts the first engine. */
  async start(config: C): Promise<void> {
    this.current = this.build(config);
    await this.current.start();
  }

  update(next: C): Promise<void> {
    this.applying = this.applying.then(() => this.replace(next));
    return this.applying;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.applying;
    await this.current?.stop();
  }

  /** The engine now running (tests, health). */
  get publisher(): Publisher | undefined {
    return this.current;
  }

  private async replace(next: C): Promise<void> {
    if (this.stopped) return;
    let fresh: Publisher;
    try {
      fresh = this.build(next);
    } catch (err) {
      this.logger.error('Configuration update cannot be applied; keeping the running publisher.', { error: errorMessage(err) });
      return;
    }
    await this.current?.stop();
    this.current = fresh;
    await fresh.start();
    this.logger.info('Configuration update applied; lanes resumed from their checkpoints.');
  }
}
