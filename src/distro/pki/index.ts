/** Key and certificate generation for self-managed clusters. */
export * from './names.js';
export * from './x509.js';
export * from './etcd.js';
export * from './kubernetes.js';
export * from './ssh.js';
export * from './inspect.js';
export * from './reissue.js';
