/** The first four characters of AWS access key ids: long-term IAM user keys, and temporary (STS) keys. */
export const ACCESS_KEY_ID_PREFIX = { longTerm: 'AKIA', temporary: 'ASIA' } as const;

/** A long-term access key id: AKIA and 16 upper-case letters or digits. */
export const LONG_TERM_ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;

/** The first four characters of IAM unique ids (the `AROA…:session` of an assumed role, `AIDA…` of a user). */
export const UNIQUE_ID_PREFIX = { role: 'AROA', user: 'AIDA' } as const;
