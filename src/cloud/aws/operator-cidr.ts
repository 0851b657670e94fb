/** Moved to src/cloud/common/operator-cidr.ts (shared by every cloud provider); kept so existing imports still work. */
export * from '../common/operator-cidr.js';
