import type { z } from 'zod';
import { FedgateError } from '@fedgate/core';

/** Validates a request body, or throws `invalid_request` naming each bad field (never echoing values). */
export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  const result = schema.safeParse(body ?? {});
  if (result.success) {
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return field === '' ? issue.message : `${field}: ${issue.message}`;
  });
  throw new FedgateError('invalid_request', `Invalid request body: ${problems.join('; ')}`);
}
