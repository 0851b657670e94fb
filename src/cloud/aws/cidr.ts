/** Moved to src/cloud/common/cidr.ts (shared by every cloud provider); kept so existing imports still work. */
export * from '../common/cidr.js';
