/**
 * Readable, deterministic workflow ids: an operator can type them, and the same business
 * object always maps to the same workflow (which is what makes starts idempotent).
 */
export const journeyWorkflowId = (brand: string, customerId: string): string => `kept/${brand}/customer/${customerId}`;
export const orderWorkflowId = (brand: string, orderId: string): string => `kept/${brand}/order/${orderId}`;
export const caseWorkflowId = (brand: string, caseId: string): string => `kept/${brand}/case/${caseId}`;
export const promiseWorkflowId = (brand: string, promiseId: string): string => `kept/${brand}/promise/${promiseId}`;
