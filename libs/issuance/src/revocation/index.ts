export * from './deny-older-sessions-policy';
export * from './role-policy-writer';
