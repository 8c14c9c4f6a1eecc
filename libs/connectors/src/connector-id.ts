import { z } from 'zod';

/** Connector ids appear in URL paths (`/auth/{id}/login`) and audit events: keep them plain. */
export const connectorIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,62}$/,
    'must be 1–63 lowercase letters, digits, - or _, starting with a letter or digit',
  )
  .describe('The connector id, unique; it appears in URLs (`/auth/{id}/login`) and audit events.');
