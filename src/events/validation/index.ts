/** Validation and normalisation of incoming CloudEvents (CONTRACT §1). */
export * from './cloud-event.types';
export * from './content-hash';
export * from './validate-events';
export * from './find-batch-conflicts';
export * from './binary-mode';
