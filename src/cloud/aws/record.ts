/** Moved to src/cloud/common/record.ts (shared by every cloud provider); kept so existing imports still work. */
export * from '../common/record.js';
