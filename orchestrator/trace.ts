/** Carried in every workflow's input: one correlation id and the W3C trace context of the first event. */
export interface WorkflowTrace {
  correlationId: string;
  traceparent?: string;
}
