/** The OPC UA plant simulator: server, layout, command line and child-process helper. */
export * from './plant';
export * from './plant-server';
export * from './options';
export { runOpcUaSimulator } from './main';
export { spawnPlantServer, runnableEntry, childEnv, type ChildPlantServer } from './child';
