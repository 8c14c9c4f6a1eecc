import { delimiter } from 'node:path';
import { describeMissingBinaries, REQUIRED_BINARIES } from './required-binaries';

/**
 * Jest global setup of the integration project: refuse to start when a server
 * the tests need is missing. Throwing here ends the run with a non-zero exit
 * before any test starts a server.
 */
export default function checkRequiredBinaries(): void {
  // Only the test of this check sets FEDGATE_TEST_BINARY_DIRS, to look in an empty directory.
  const override = process.env.FEDGATE_TEST_BINARY_DIRS;
  const search = override === undefined ? undefined : override.split(delimiter);
  const problem = describeMissingBinaries(REQUIRED_BINARIES, search);
  if (problem !== undefined) {
    throw new Error(problem);
  }
}
