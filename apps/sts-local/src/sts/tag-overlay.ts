import type { SessionTags } from './limits';

/** Role tags overlaid by session tags, keys compared case-insensitively (session tags win). */
export function overlayTags(base: SessionTags, session: SessionTags): SessionTags {
  const sessionKeys = new Set(Object.keys(session).map((key) => key.toLowerCase()));
  const kept = Object.entries(base).filter(([key]) => !sessionKeys.has(key.toLowerCase()));
  return { ...Object.fromEntries(kept), ...session };
}
