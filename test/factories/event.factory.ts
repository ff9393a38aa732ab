import { randomUUID } from 'node:crypto';

export const SOURCE = '//control-plane/cluster-7';

/** A structured CloudEvent (CONTRACT §1) with sensible defaults. */
export function cloudEvent(
  type: string,
  subject: string,
  time: string,
  data: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: SOURCE,
    type,
    time,
    subject,
    datacontenttype: 'application/json',
    data: { tenantId: 't-1', ...data },
    ...extra,
  };
}
