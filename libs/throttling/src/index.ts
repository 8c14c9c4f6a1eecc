export * from './login-throttle';
export * from './login-throttle.config';
export * from './lockout-margin';
export * from './trusted-proxies';
export * from './issuance-rate-limit';
export * from './oauth-rate-limit';
