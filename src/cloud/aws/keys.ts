/** Moved to src/cloud/common/keys.ts (shared by every cloud provider); kept so existing imports still work. */
export * from '../common/keys.js';
