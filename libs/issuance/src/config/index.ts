export * from './issuance.schema';
export * from './issuance-startup-checks';
