export * from './explain-flow';
