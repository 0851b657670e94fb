/**
 * @aws-sdk/client-s3, loaded with require() rather than import: the package's entry is CommonJS, and an
 * ESM import of CommonJS makes Node scan the module's source for its export names first
 * (cjs-module-lexer), about 50 ms of CPU for this SDK on the bench machine, paid by every S3 backup
 * (measured: 115 ms of CPU to import it, 65 ms to require it). The types are the same.
 */
import { createRequire } from 'node:module';
import type * as S3 from '@aws-sdk/client-s3';

export const s3sdk = createRequire(import.meta.url)('@aws-sdk/client-s3') as typeof S3;
