export * from './partitions';
export * from './console-destination';
export * from './console-signin';
