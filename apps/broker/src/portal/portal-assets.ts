import { readFileSync } from 'node:fs';
import { join } from 'node:path';
/** Beside this file: in the sources, and in dist/ where the build copies it (scripts/copy-build-assets.cjs). */
export const PORTAL_ASSETS_DIR = join(__dirname, 'assets');

/** A static file of the portal, read once at start-up. */
export interface PortalAsset {
  body: Buffer;
  headers: Record<string, string>;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  'portal.css': 'text/css; charset=utf-8',
  'portal.js': 'text/javascript; charset=utf-8',
};

/**
 * The portal's stylesheet and script, served from fedgate itself (the pages'
 * CSP allows no other source). They hold nothing private, so caches may keep
 * them for a while; nosniff keeps browsers to the declared type.
 */
export function loadPortalAssets(directory: string = PORTAL_ASSETS_DIR): Map<string, PortalAsset> {
  const assets = new Map<string, PortalAsset>();
  for (const [name, contentType] of Object.entries(CONTENT_TYPES)) {
    assets.set(name, {
      body: readFileSync(join(directory, name)),
      headers: {
        'Content-Type': contentType,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'public, max-age=300',
      },
    });
  }
  return assets;
}
