import { spawn } from 'node:child_process';

type Environment = Readonly<Record<string, string | undefined>>;

/** No browser could be started; the caller says how to do without. */
export class NoBrowserError extends Error {
  constructor(reason: string) {
    super(`could not open a browser (${reason})`);
    this.name = 'NoBrowserError';
  }
}

/** The opener for this system: $BROWSER when set (a program path, as many CLIs honour), else the desktop's. */
function opener(env: Environment): string[] {
  const browser = env.BROWSER;
  if (browser !== undefined && browser.trim() !== '') {
    return [browser.trim()];
  }
  if (process.platform === 'darwin') {
    return ['open'];
  }
  if (process.platform === 'win32') {
    return ['rundll32', 'url.dll,FileProtocolHandler'];
  }
  return ['xdg-open'];
}

/** How long to wait for the opener to fail; one that is still running has found a browser. */
const OPENER_WAIT_MS = 5_000;

/**
 * Opens `url` in the user's browser. The URL is passed as one argument,
 * never through a shell, and never printed: callers decide where it may go.
 */
export function openInBrowser(url: string, env: Environment): Promise<void> {
  const [program = 'xdg-open', ...args] = opener(env);
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args, url], { stdio: 'ignore', detached: true, env: { ...env } });
    const timer = setTimeout(() => {
      child.unref();
      resolve();
    }, OPENER_WAIT_MS);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new NoBrowserError(`${program}: ${error.code ?? error.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve();
      } else {
        reject(new NoBrowserError(`${program} exited with code ${code ?? 'unknown'}`));
      }
    });
  });
}
