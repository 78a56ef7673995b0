import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { state, subscribe, type Failure } from './api';

/** Re-renders on every change of the session, the last trace or the unread count. */
export function useApiState() {
  const [, tick] = useState(0);
  useEffect(() => {
    const unsubscribe = subscribe(() => tick((n) => n + 1));
    return () => void unsubscribe();
  }, []);
  return state;
}

/** A labelled input with the API's message for this field beside it. */
export function Field(props: {
  label: string;
  name: string;
  failure?: Failure;
  children: ComponentChildren;
}) {
  const message = props.failure?.fields[props.name];
  return (
    <div class="field">
      <label for={`field-${props.name}`}>{props.label}</label>
      {props.children}
      {message && (
        <p class="field-error" id={`error-${props.name}`} role="alert">
          ⚠ {message}
        </p>
      )}
    </div>
  );
}

/** The problem as the API stated it: its title and detail, and when to retry. */
export function FailureBox({ failure }: { failure?: Failure }) {
  if (!failure) return null;
  return (
    <div class="failure" role="alert">
      <strong>⚠ {failure.title}</strong>
      {failure.detail && <p>{failure.detail}</p>}
      {failure.retryAfter !== undefined && <p>Try again in {failure.retryAfter} s.</p>}
    </div>
  );
}

/** A page's heading, focused after navigation so keyboard and screen-reader users land on it. */
export function Page(props: { title: string; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [props.title]);
  return (
    <section>
      <h1 tabIndex={-1} ref={heading}>
        {props.title}
      </h1>
      {props.children}
    </section>
  );
}

export const percent = (n: number) => `${n} %`;

/** A submitted form's text fields, by name (an absent or file field reads as ''). */
export function formText(event: SubmitEvent) {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  return (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value : '';
  };
}
