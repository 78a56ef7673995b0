import { useEffect, useState } from 'preact/hooks';
import { api, failureOf, type Failure, type Schemas } from '../api';
import { FailureBox, Page } from '../ui';

type Span = Schemas['TraceSpan'];

/** Spans in tree order (each after its parent, children by start), with their depth. */
function treeOrder(spans: Span[]): { span: Span; depth: number }[] {
  const children = new Map<string | null, Span[]>();
  for (const span of spans)
    children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  const ordered: { span: Span; depth: number }[] = [];
  const visit = (parent: string | null, depth: number) => {
    for (const span of children.get(parent) ?? []) {
      ordered.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit(null, 0);
  return ordered;
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(0));

/**
 * The trace one of the learner's requests became, as Jaeger holds it: every service's spans laid
 * out on one time axis. Spans reach Jaeger a moment after the answer, so the page asks again a few
 * times until the whole trace is there.
 */
export function TracePage({ traceId, jaegerUrl }: { traceId: string; jaegerUrl: string }) {
  const [trace, setTrace] = useState<Schemas['Trace']>();
  const [failure, setFailure] = useState<Failure>();

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let seen = -1;
    const load = async (attempt: number) => {
      const { data, error, response } = await api.GET('/v1/me/traces/{traceId}', {
        params: { path: { traceId } },
      });
      if (stopped) return;
      if (data) setTrace(data);
      else if (response.status !== 404 || attempt >= 10) setFailure(failureOf(error, response));
      // Again while it is arriving: not found yet, or still growing (consumers, emails come later).
      const arriving = !data ? response.status === 404 : data.spans.length !== seen;
      seen = data?.spans.length ?? seen;
      if (attempt < 10 && arriving) timer = setTimeout(() => void load(attempt + 1), 1_000);
    };
    void load(1);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [traceId]);

  const jaegerLink = jaegerUrl && (
    <a href={`${jaegerUrl.replace(/\/$/, '')}/trace/${traceId}`} target="_blank" rel="noreferrer">
      Open in Jaeger
    </a>
  );
  if (!trace)
    return (
      <Page title="Trace">
        {failure ? (
          <FailureBox failure={failure} />
        ) : (
          <p role="status">Reading trace {traceId} from Jaeger…</p>
        )}
        {jaegerLink}
      </Page>
    );
  const width = Math.max(trace.durationMs, 0.001);
  return (
    <Page title="Trace">
      <p id="trace-summary">
        <code>{trace.traceId}</code>: {trace.spans.length} spans across {trace.services.length} services (
        {trace.services.join(', ')}) in {ms(trace.durationMs)} ms. {jaegerLink}
      </p>
      <table class="waterfall">
        <caption>Each span: which service did what, when, for how long, and how it ended</caption>
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Operation</th>
            <th scope="col">Timeline</th>
            <th scope="col">Duration</th>
          </tr>
        </thead>
        <tbody>
          {treeOrder(trace.spans).map(({ span, depth }) => (
            <tr class={span.status === 'error' ? 'span error' : 'span'} data-service={span.service}>
              <td>{span.service}</td>
              <td style={{ paddingLeft: `${depth * 0.8}rem` }}>
                <details>
                  <summary>
                    {span.status === 'error' && <span aria-label="failed">⚠ </span>}
                    {span.name} <span class="muted">{span.kind}</span>
                  </summary>
                  <dl>
                    {Object.entries(span.attributes).map(([key, value]) => (
                      <>
                        <dt>{key}</dt>
                        <dd>{String(value)}</dd>
                      </>
                    ))}
                    {span.events.map((event) => (
                      <>
                        <dt>event</dt>
                        <dd>
                          {event.name} at {ms(event.atMs)} ms
                        </dd>
                      </>
                    ))}
                    {span.links.map((link) => (
                      <>
                        <dt>follows from</dt>
                        <dd>
                          <a href={`#/traces/${link.traceId}`}>trace {link.traceId}</a>
                        </dd>
                      </>
                    ))}
                  </dl>
                </details>
              </td>
              <td class="timeline" aria-hidden="true">
                <span
                  class="bar"
                  style={{
                    left: `${(span.startMs / width) * 100}%`,
                    width: `max(2px, ${(span.durationMs / width) * 100}%)`,
                  }}
                />
              </td>
              <td>
                {ms(span.durationMs)} ms <span class="muted">at {ms(span.startMs)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}
