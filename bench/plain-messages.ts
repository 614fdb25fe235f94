import { defineUpdate } from '@temporalio/workflow';

/** The plain baseline's approval: an update with no payload, nothing recorded but the update itself. */
export const plainApproveUpdate = defineUpdate<void>('approve');
