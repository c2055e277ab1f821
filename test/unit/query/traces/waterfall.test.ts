import { describe, expect, it } from 'vitest';
import { waterfall } from '../../../../src/query/traces/index.js';
import type { SpanRow } from '../../../../src/store/queries/traces.js';

function span(spanId: string, parentSpanId: string, startNs: number): SpanRow {
  return {
    traceId: 't',
    spanId,
    parentSpanId,
    traceState: '',
    name: spanId,
    kind: 'SPAN_KIND_INTERNAL',
    serviceName: 's',
    resourceAttributes: {},
    scopeName: '',
    scopeVersion: '',
    attributes: {},
    startNs: String(startNs),
    durationNs: '1',
    statusCode: 'STATUS_CODE_UNSET',
    statusMessage: '',
    eventTimesNs: [],
    eventNames: [],
    eventAttributes: [],
    linkTraceIds: [],
    linkSpanIds: [],
    linkTraceStates: [],
    linkAttributes: [],
    flags: 0,
  };
}

const order = (rows: SpanRow[]) =>
  waterfall(rows).map((w) => `${w.depth}:${w.row.spanId}${w.missingParent ? '!' : ''}`);

describe('waterfall', () => {
  it('puts each span after its parent, siblings by start', () => {
    const rows = [span('a', '', 1), span('b', 'a', 2), span('c', 'a', 3), span('d', 'b', 4)];
    expect(order(rows)).toEqual(['0:a', '1:b', '2:d', '1:c']);
  });

  it('treats a span whose parent is missing as a root, marked', () => {
    const rows = [span('a', '', 1), span('x', 'gone', 2), span('y', 'x', 3)];
    expect(order(rows)).toEqual(['0:a', '0:x!', '1:y']);
  });

  it('keeps every span of a malformed cycle exactly once, walked from the earliest', () => {
    const rows = [span('a', 'b', 1), span('b', 'a', 2), span('c', 'b', 3)];
    expect(order(rows)).toEqual(['0:a', '1:b', '2:c']);
  });

  it('puts copies of a span one after another, with the subtree after them', () => {
    // A trace sent twice: each span stored twice, rows in start order.
    const rows = [
      span('root', '', 1),
      span('root', '', 1),
      span('child', 'root', 2),
      span('child', 'root', 2),
      span('other', 'gone', 3),
    ];
    expect(order(rows)).toEqual(['0:root', '0:root', '1:child', '1:child', '0:other!']);
  });
});
