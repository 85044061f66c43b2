import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { eventCatalog, isEventName, type EventData, type EventName } from './catalog';
import { cloudEventEnvelopeSchema, type CloudEventEnvelope } from './envelope';

export type LeadgraphEvent<N extends EventName = EventName> = CloudEventEnvelope<N, EventData<N>>;

export class EventContractError extends Error {
  constructor(message: string, readonly issues: string[]) {
    super(message);
    this.name = 'EventContractError';
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

/** Builds a validated event; the payload is checked against the catalogue before it can be stored in an outbox. */
export function createEvent<N extends EventName>(
  name: N,
  data: EventData<N>,
  options: { subject: string; time: Date; id?: string },
): LeadgraphEvent<N> {
  const parsed = eventCatalog[name].data.safeParse(data);
  if (!parsed.success) {
    throw new EventContractError(`invalid ${name} payload`, describeIssues(parsed.error));
  }
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: `/leadgraph/${eventCatalog[name].source}`,
    type: name,
    time: options.time.toISOString(),
    subject: options.subject,
    datacontenttype: 'application/json',
    data: parsed.data as EventData<N>,
  };
}

/** Parses a raw message into a typed event, validating both the envelope and the payload. */
export function parseEvent(raw: unknown): LeadgraphEvent {
  const envelope = cloudEventEnvelopeSchema.safeParse(raw);
  if (!envelope.success) throw new EventContractError('invalid CloudEvents envelope', describeIssues(envelope.error));
  const { type } = envelope.data;
  if (!isEventName(type)) throw new EventContractError(`unknown event type ${type}`, []);
  const data = eventCatalog[type].data.safeParse(envelope.data.data);
  if (!data.success) throw new EventContractError(`invalid ${type} payload`, describeIssues(data.error));
  return { ...envelope.data, type, data: data.data } as LeadgraphEvent;
}

export function isEvent<N extends EventName>(event: LeadgraphEvent, name: N): event is LeadgraphEvent<N> {
  return event.type === name;
}
