import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { PendingBody } from './deferred-body';

/**
 * Reads the request body when a handler's `@Body()` parameter is bound.
 * Pipes run after the route's guards, so a route that needs a session
 * answers 401 before a byte of a large body is read; a route that takes no
 * body never reads one (Node discards it). A global pipe costs nothing on
 * routes without a body, where an interceptor would wrap every request.
 */
export class RequestBodyPipe implements PipeTransform {
  constructor(private readonly maxBodyBytes: number) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'body' && value instanceof PendingBody ? value.read(this.maxBodyBytes) : value;
  }
}
