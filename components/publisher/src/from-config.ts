/** Builds the engine and its destinations from a validated, checked configuration. */
import * as path from 'node:path';
import { CheckpointStore, type Clock, type Health, type Logger } from '../../core/src';
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
