export * from './login-throttle';
export * from './login-throttle.config';
