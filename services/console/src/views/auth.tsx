import { useState } from 'preact/hooks';
import { api, failureOf, signedIn, type Failure, type Schemas } from '../api';
import { FailureBox, Field, Page, formText } from '../ui';

type TimeZone = Schemas['NewUser']['timeZone'];
/** The learner's zone, for their daily streak (an `Etc/…` zone counts as UTC). */
const browserTimeZone = () => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (zone.startsWith('Etc/') ? 'UTC' : zone) as TimeZone;
};

/** Sign up or log in; both end signed in, on the dashboard. */
export function AuthPage({ mode }: { mode: 'signup' | 'login' }) {
  const [failure, setFailure] = useState<Failure>();
  const [busy, setBusy] = useState(false);

  async function submit(event: SubmitEvent) {
    const form = formText(event);
    const email = form('email');
    const password = form('password');
    setBusy(true);
    setFailure(undefined);
    const result =
      mode === 'signup'
        ? await api.POST('/v1/auth/signup', {
            body: {
              email,
              password,
              displayName: form('displayName'),
              timeZone: browserTimeZone(),
            },
          })
        : await api.POST('/v1/auth/login', { body: { email, password } });
    setBusy(false);
    if (!result.data) return setFailure(failureOf(result.error, result.response));
    signedIn(result.data, email);
    location.hash = '#/dashboard';
  }

  return (
    <Page title={mode === 'signup' ? 'Sign up' : 'Log in'}>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <FailureBox failure={failure} />
        <Field label="Email" name="email" failure={failure}>
          <input id="field-email" name="email" type="email" autocomplete="email" required />
        </Field>
        {mode === 'signup' && (
          <Field label="Display name" name="displayName" failure={failure}>
            <input id="field-displayName" name="displayName" autocomplete="nickname" required />
          </Field>
        )}
        <Field label="Password" name="password" failure={failure}>
          <input
            id="field-password"
            name="password"
            type="password"
            autocomplete={mode === 'signup' ? 'new-password' : 'current-password'}
            required
          />
        </Field>
        <button type="submit" disabled={busy}>
          {mode === 'signup' ? 'Create account' : 'Log in'}
        </button>
      </form>
    </Page>
  );
}
