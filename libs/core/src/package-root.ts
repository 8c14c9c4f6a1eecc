import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout's root (the nearest directory above `start` holding a
 * package.json), so files such as `config/demo.yaml` resolve the same from
 * the sources and from `dist/`. Falls back to the working directory.
 */
export function packageRoot(start: string): string {
  let directory = start;
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) {
      return process.cwd();
    }
    directory = parent;
  }
  return directory;
}
