/** Jest runs every *.test.ts in the repository through ts-jest (type checking is done by `tsc --noEmit` in `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/components', '<rootDir>/local', '<rootDir>/deploy', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // node-opcua's debug helpers require hexy, an ES module jest's CommonJS runtime cannot load.
  moduleNameMapper: { '^hexy$': '<rootDir>/test/helpers/hexy-cjs.js' },
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
