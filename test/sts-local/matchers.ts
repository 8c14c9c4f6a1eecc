/**
 * jest's asymmetric matchers typed as `unknown` rather than `any`, so they
 * can sit inside expected objects without defeating the type-checked lint.
 */
export const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);
export const containing = (text: string): unknown => expect.stringContaining(text);
export const objectContaining = (object: Record<string, unknown>): unknown => expect.objectContaining(object);
export const anyString: unknown = expect.any(String);
export const anyNumber: unknown = expect.any(Number);
