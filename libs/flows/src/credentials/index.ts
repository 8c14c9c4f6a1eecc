export * from './credentials-flow';
