import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

type Environment = Readonly<Record<string, string | undefined>>;

/** The AWS config file the SDKs read: AWS_CONFIG_FILE (with `~/` expanded, as they do), else ~/.aws/config. */
export function awsConfigPath(env: Environment, cwd: string): string {
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
  const configured = env.AWS_CONFIG_FILE;
  if (configured === undefined || configured === '') {
    return join(home, '.aws', 'config');
  }
  const expanded = configured.startsWith('~/') ? join(home, configured.slice(2)) : configured;
  return isAbsolute(expanded) ? expanded : resolve(cwd, expanded);
}

/** The file's text, or '' when it does not exist yet. */
export async function readConfigFile(path: string): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return '';
    }
    throw error;
  }
}

/** The config file changed while fedgate was editing it; nothing was written. */
export class ConfigChangedError extends Error {
  constructor(readonly path: string) {
    super(`${path} changed while fedgate configure was editing it; nothing was written: run it again`);
    this.name = 'ConfigChangedError';
  }
}

/**
 * Replaces the config file's text with a new file renamed over it, so an
 * SDK reading it meanwhile sees the old text or the new, never half. A
 * symbolic link (dotfiles) is written through to its target; the file keeps
 * its mode, and a new one is 0600 in a directory made 0700. `expected` is
 * the text the edit started from: if the file no longer holds it, nothing
 * is written.
 */
export async function writeConfigFile(path: string, expected: string, text: string): Promise<void> {
  let target = path;
  let mode = 0o600;
  try {
    target = await fs.realpath(path);
    mode = (await fs.stat(target)).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  }
  const temporary = join(dirname(target), `.${basename(target)}.fedgate-${randomBytes(6).toString('hex')}`);
  const handle = await fs.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if ((await readConfigFile(target)) !== expected) {
      throw new ConfigChangedError(path);
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
