export * from './partitions';
export * from './arns';
export * from './identifiers';
export * from './sts-limits';
