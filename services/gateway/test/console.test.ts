// The learner console in a real browser (Debian's Chromium, driven by playwright-core) against
// the whole system as deployed: every service its own traced process, the gateway serving the
// console at `/`. Screenshots of each step go to `.syllabus/screenshots/`.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { testEnv, waitFor } from '@syllabus/testing';
import { withBearer } from '@syllabus/testing/http';
import { jaeger, traceIdOf } from '@syllabus/testing/jaeger';
import { startSmtpServer } from '@syllabus/testing/smtp';
import { startSystem } from './support';

const screenshots = join(__dirname, '..', '..', '..', '..', '.syllabus', 'screenshots');
const JAEGER = 'http://jaeger.syllabus.test:16686';
const COURSE = { slug: 'http-and-rest', title: 'HTTP and REST API Design' };

describe('the learner console in Chromium', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let browser: Browser;
  const author = { email: `author-${Date.now()}@syllabus.test`, password: 'an author password' };

  before(async () => {
    mkdirSync(screenshots, { recursive: true });
    smtp = await startSmtpServer();
    system = await startSystem({
      telemetryEndpoint: testEnv.JAEGER_OTLP_URL,
      smtpUrl: smtp.url,
      gatewayEnv: { CONSOLE_JAEGER_URL: JAEGER, JAEGER_QUERY_URL: jaeger().url },
    });
    await system.bootstrapUser(author.email, author.password);
    // Enrolment needs user-progress to know the course from the catalog's events: wait for that
    // here, through the API, so the browser steps below never race it.
    const api = system.gateway.url;
    const scout = await request(api)
      .post('/v1/auth/signup')
      .send({ email: `scout-${Date.now()}@syllabus.test`, password: 'a long password', displayName: 'Scout' })
      .expect(201);
    const course = (await request(api).get(`/v1/courses/${COURSE.slug}`).expect(200)).body as { id: string };
    await waitFor(
      async () =>
        (
          await withBearer(api, `Bearer ${scout.body.accessToken}`)
            .post('/v1/me/enrollments')
            .send({ courseId: course.id })
        ).status === 201,
      { what: 'the course in the read model', timeoutMs: 30_000 },
    );
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await system?.stop();
    await smtp?.close();
  });

  async function signUp(email: string) {
    const page = await browser.newPage();
    await page.goto(system.gateway.url);
    await page.getByRole('link', { name: 'Sign up', exact: true }).click();
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Display name', { exact: true }).fill('Barbara');
    await page.getByLabel('Password', { exact: true }).fill('a long password');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    return page;
  }

  /** Opens the course list, types `text`, runs `afterTyping`, and searches (the list reloads). */
  async function search(page: Page, text: string, afterTyping = async () => {}) {
    await page.getByRole('link', { name: 'Courses', exact: true }).click();
    await page.getByLabel('Search', { exact: true }).fill(text);
    await afterTyping();
    await page.getByRole('button', { name: 'Search', exact: true }).click();
  }

  it("when a learner signs up, finds a course by search, enrols and completes it, then the notification arrives live, and the completion's trace opens as a waterfall of its services", async () => {
    const page = await signUp(`console-${Date.now()}@syllabus.test`);
    // The tracks arrive while the search is being typed (held here until it is): the page renders
    // again then, and what was typed must stay.
    let typed!: () => void;
    const typing = new Promise<void>((resolve) => (typed = resolve));
    await page.route('**/v1/tracks', async (route) => {
      await typing;
      await route.continue();
    });
    await search(page, 'REST API design', async () => {
      typed();
      await page.getByRole('option', { name: 'Languages for the backend' }).waitFor({ state: 'attached' });
    });
    await page.getByRole('link', { name: COURSE.title }).click();
    await page.getByRole('heading', { name: COURSE.title }).waitFor();
    await page.getByRole('button', { name: 'Enrol', exact: true }).click();
    await page.getByText('0 % complete').waitFor();

    // The trace each completion became, as the gateway announced it.
    const completions: string[] = [];
    page.on('response', (response) => {
      if (response.request().method() === 'PUT' && response.url().endsWith('/completion'))
        completions.push(traceIdOf(response.headers()));
    });
    const next = page.getByRole('button', { name: /^Complete / });
    for (let lesson = 0; lesson < 50 && (await next.count()) > 0; lesson += 1) {
      const before = await next.count();
      await next.first().click();
      await waitFor(async () => (await next.count()) < before, { what: 'the lesson marked done' });
    }
    await page.getByText('Course completed ✓').waitFor();
    await page.getByText('100 % complete').waitFor();
    // Pushed over Server-Sent Events: no reload happened.
    await page
      .getByRole('status')
      .filter({ hasText: `You completed ${COURSE.title}` })
      .waitFor()
      .catch(async () =>
        assert.fail(
          `the notification did not arrive; the header says: ${await page.locator('header').innerText()}`,
        ),
      );
    await page.screenshot({ path: join(screenshots, 'course-completed.png'), fullPage: true });

    // The last action's trace: shown, a link to its trace view, and beside it one to the Jaeger UI.
    const traceLink = page.locator('#trace-id');
    const shown = (await traceLink.textContent())!.trim();
    assert.match(shown, /^[0-9a-f]{32}$/);
    assert.equal(await traceLink.getAttribute('href'), `#/traces/${shown}`);
    assert.equal(
      await page.getByRole('link', { name: 'in Jaeger' }).getAttribute('href'),
      `${JAEGER}/trace/${shown}`,
    );

    // The completion that completed the course, as a waterfall read from Jaeger: its request
    // through the gateway, user-progress and its document store, and notification's consumer.
    const completion = completions.at(-1)!;
    await page.evaluate(`location.hash = '#/traces/${completion}'`); // no reload: the session stays
    await page.getByRole('heading', { name: 'Trace' }).waitFor();
    const waterfall = page.getByRole('table');
    for (const service of ['gateway', 'user-progress', 'notification'])
      await waterfall.locator(`tr[data-service="${service}"]`).first().waitFor({ timeout: 20_000 });
    await waterfall.getByText('email send').waitFor({ timeout: 20_000 });
    assert.match((await page.locator('#trace-summary').textContent())!, new RegExp(completion));
    await page
      .getByText(/^PUT \/v1\/me\/enrollments/)
      .first()
      .click(); // its attributes open
    await page.getByText('http.route').first().waitFor();
    await page.screenshot({ path: join(screenshots, 'trace-view.png'), fullPage: true });

    await page.getByRole('link', { name: /^Notifications/ }).click();
    await page.getByText(`You completed ${COURSE.title}`).first().waitFor();
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.locator('#unread-badge').getByText('0 unread').waitFor();
    await page.close();
  });

  it('when an author creates a course with a bad slug, then the API message shows beside the field; fixed and filled, a change made elsewhere first is said so, and published, a learner finds it', async () => {
    const page = await browser.newPage();
    await page.goto(`${system.gateway.url}/#/login`);
    await page.getByLabel('Email', { exact: true }).fill(author.email);
    await page.getByLabel('Password', { exact: true }).fill(author.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    const title = `Console Course ${Date.now()}`;
    await page.getByRole('link', { name: 'New course', exact: true }).click();
    await page.getByLabel('Slug', { exact: true }).fill('Not A Slug!');
    await page.getByLabel('Title', { exact: true }).fill(title);
    await page
      .getByLabel('Summary', { exact: true })
      .fill('Made in the browser test, from a blank form to a published course.');
    await page.getByRole('button', { name: 'Create draft', exact: true }).click();
    // The API's own message for the field, next to it.
    const slugError = page.locator('#error-slug');
    await slugError.waitFor();
    assert.match((await slugError.textContent())!, /slug|lower|pattern|letters/i);
    await page.screenshot({ path: join(screenshots, 'field-error.png'), fullPage: true });

    await page.getByLabel('Slug', { exact: true }).fill(`console-course-${Date.now()}`);
    await page.getByRole('button', { name: 'Create draft', exact: true }).click();
    // Should it not come, the page's own words say why.
    await page
      .getByRole('heading', { name: `Edit: ${title}` })
      .waitFor()
      .catch(async () => assert.fail(await page.locator('main').innerText()));
    for (const lesson of ['First steps', 'Second steps']) {
      await page.getByLabel('Lesson title').fill(lesson);
      await page.getByLabel('Lesson text').fill(`The text of ${lesson}.`);
      await page.getByRole('button', { name: 'Add lesson', exact: true }).click();
      await page.getByRole('button', { name: `Remove ${lesson}` }).waitFor();
    }
    await page.getByRole('button', { name: 'Move Second steps up' }).click();
    await page.locator('ol li').first().getByText('Second steps').waitFor();

    // Someone else (here: the same author, through the API) changes the course first.
    const slug = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    const api = system.gateway.url;
    const login = await request(api)
      .post('/v1/auth/login')
      .send({ email: author.email, password: author.password })
      .expect(200);
    const asAuthor = withBearer(api, `Bearer ${login.body.accessToken}`);
    const current = await asAuthor.get(`/v1/courses/${slug}`).expect(200);
    await asAuthor
      .patch(`/v1/courses/${current.body.id}`)
      .set('If-Match', current.headers.etag!)
      .send({ title: `${title} (edited elsewhere)` })
      .expect(200);
    await page.getByLabel('Title', { exact: true }).fill(`${title} (edited here)`);
    await page.getByRole('button', { name: 'Save details', exact: true }).click();
    await page.getByText('Someone else changed this course first').waitFor();
    await page.getByRole('button', { name: 'Load their version', exact: true }).click();
    await page.getByRole('heading', { name: `Edit: ${title} (edited elsewhere)` }).waitFor();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.locator('#status').getByText('published').waitFor();
    await page.screenshot({ path: join(screenshots, 'author.png'), fullPage: true });
    await page.close();

    const learner = await signUp(`finder-${Date.now()}@syllabus.test`);
    // The list pages are cached: the course appears once its event has invalidated them.
    await waitFor(
      async () => {
        await search(learner, title);
        return learner
          .getByRole('link', { name: title })
          .waitFor({ timeout: 1_000 })
          .then(() => true)
          .catch(() => false);
      },
      { what: 'the published course in the search', timeoutMs: 20_000 },
    );
    await learner.close();
  });

  it('when notification is stopped, then the dashboard shows what it can and says what is unavailable', async () => {
    const page = await signUp(`partial-${Date.now()}@syllabus.test`);
    await system.stopService('notification');
    await page.getByRole('link', { name: 'Courses', exact: true }).click();
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    const partial = page.locator('#partial');
    await partial.waitFor();
    assert.match((await partial.textContent())!, /unavailable: notification/);
    await page.getByText('Unavailable right now (notifications)').waitFor();
    await page.getByRole('heading', { name: 'Your courses' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'dashboard-partial.png'), fullPage: true });
    await page.close();
  });
});
