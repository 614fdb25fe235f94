import { DefaultFailureConverter } from '@temporalio/common';

/**
 * With encryption on, failure messages and stack traces move into an encoded payload, so the codec encrypts them too
 * (by default Temporal keeps them in clear text). Loaded by path (`failureConverterPath`), also inside the workflow
 * bundle, so this file imports nothing beyond the SDK's common package.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
