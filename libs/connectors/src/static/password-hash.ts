import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt password hashes in PHC string format:
 * `$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt base64>$<hash base64>`.
 * scrypt is built into Node, memory-hard, and needs no native dependency.
 */
const PHC_PATTERN =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;
const KEY_LENGTH = 32;
const DEFAULT_LOG_N = 15;

export interface ScryptParameters {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, keyLength, options, (error, key) => {
      if (error) {
        reject(error);
      } else {
        resolve(key);
      }
    });
  });
}

function scryptOptions(logN: number, r: number, p: number): ScryptOptions {
  // Node's default maxmem (32 MiB) is exactly 128·N·r for ln=15, r=8: leave headroom.
  return { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 };
}

/**
 * Parses a PHC scrypt string, or returns a message saying what is wrong with it
 * (for config validation). Parameters are bounded so a config cannot make
 * every login burn seconds of CPU or gigabytes of memory.
 */
export function parsePasswordHash(text: string): ScryptParameters | string {
  const match = PHC_PATTERN.exec(text);
  if (!match) {
    return 'must be a scrypt hash like $scrypt$ln=15,r=8,p=1$<salt>$<hash> (make one with `fedgate hash-password`)';
  }
  const [, logN, r, p, salt, hash] = match.map((part, index) => (index >= 4 ? part : Number(part))) as [
    unknown,
    number,
    number,
    number,
    string,
    string,
  ];
  if (logN < 10 || logN > 20) {
    return 'scrypt ln must be between 10 and 20';
  }
  if (r < 1 || r > 16 || p < 1 || p > 4) {
    return 'scrypt r must be 1–16 and p 1–4';
  }
  const saltBytes = Buffer.from(salt, 'base64');
  const hashBytes = Buffer.from(hash, 'base64');
  if (saltBytes.length < 16 || hashBytes.length < 16) {
    return 'scrypt salt and hash must be at least 16 bytes';
  }
  return { logN, r, p, salt: saltBytes, hash: hashBytes };
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, logN = DEFAULT_LOG_N): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEY_LENGTH, scryptOptions(logN, 8, 1));
  return `$scrypt$ln=${logN},r=8,p=1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Checks a password against parsed parameters in constant time. */
export async function verifyPassword(password: string, parameters: ScryptParameters): Promise<boolean> {
  const { logN, r, p, salt, hash } = parameters;
  const candidate = await scrypt(password, salt, hash.length, scryptOptions(logN, r, p));
  return timingSafeEqual(candidate, hash);
}
