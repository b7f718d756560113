/**
 * Import this FIRST in a jest test file that loads node-opcua (before any node-opcua import).
 *
 * node-opcua-debug requires `hexy`, which is an ES module (`"type": "module"`). Node 20 loads it
 * through require(esm), but jest's CommonJS runtime cannot, so the import fails with
 * "Unexpected token 'export'". This replaces hexy (used only for debug hex dumps) with a small
 * CommonJS stand-in for the test file's module registry.
 *
 * Redundant since jest.config.js maps hexy to test/helpers/hexy-cjs.js for every test; kept only
 * for the test files that still import it (components/opcda-collector ua-wrapper test). Remove it
 * together with that import.
 */
// @ts-ignore -- `jest` exists only inside jest (tsconfig.build.json has no jest types); this file is never imported elsewhere.
jest.mock('hexy', () => {
  const hexy = (buf: Buffer | Uint8Array | string): string => Buffer.from(buf as Uint8Array).toString('hex').replace(/(.{32})/g, '$1\n');
  class Hexy {
    constructor(private readonly buf: Buffer | Uint8Array | string) {}
    toString(): string {
      return hexy(this.buf);
    }
  }
  return { __esModule: true, hexy, Hexy, maxnumberlen: () => 8, default: hexy };
});

export {};
