import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import request from 'supertest';
import { routeKeys, userProgressRoutes } from '@syllabus/contracts';
import { mountedRoutes } from '@syllabus/service-kit';
import { testEnv, waitFor } from '@syllabus/testing';
import { INTERNAL_TOKEN, listenForProgressEvents, startUserProgress } from './support';
import { withBearer } from '@syllabus/testing/http';

let service: Awaited<ReturnType<typeof startUserProgress>>;
const internal = `Bearer ${INTERNAL_TOKEN}`;
/** The gateway's calls: sign a user up, check credentials (the caller states what it expects). */
const createUser = (body: Record<string, unknown>) =>
  withBearer(service.app, internal).post('/internal/users').send(body);
const verifyCredentials = (body: Record<string, unknown>) =>
  withBearer(service.app, internal).post('/internal/credentials/verify').send(body);

describe('users', () => {
  before(async () => (service = await startUserProgress()));
  after(() => service.stop());

  it('when the app is built, then it mounts exactly the routes this service declares', () => {
    assert.deepEqual(mountedRoutes(service.app).sort(), routeKeys(userProgressRoutes).sort());
  });

  it('when a user signs up, then 201 with a normalised email and the learner role, and no password anywhere', async () => {
    const res = await createUser({
      email: 'Ada@Example.COM',
      password: 'analytical engine',
      displayName: 'Ada',
      timeZone: 'Europe/London',
    }).expect(201);
    assert.equal(res.body.email, 'ada@example.com');
    assert.deepEqual(res.body.roles, ['learner']);
    assert.doesNotMatch(JSON.stringify(res.body), /password|analytical/i);
    const stored = await service.deps.models.accounts.findById(res.body.id).lean();
    assert.equal(stored!.email, 'ada@example.com');
    assert.match(stored!.passwordHash, /^scrypt\$32768\$8\$1\$/);
    assert.doesNotMatch(stored!.passwordHash, /analytical/);
  });

  it('when a user signs up, then identity.user-registered.v1 announces them, so others need not ask', async () => {
    const listener = await listenForProgressEvents(service.deps.broker.exchange, [
      'identity.user-registered.v1',
    ]);
    try {
      const res = await createUser({
        email: 'Barbara@example.com',
        password: 'abstraction',
        displayName: 'Barbara',
        timeZone: 'America/New_York',
      }).expect(201);
      const [event] = await waitFor(() => listener.events.length > 0 && listener.events);
      assert.deepEqual(event!.data, {
        userId: res.body.id,
        email: 'barbara@example.com',
        displayName: 'Barbara',
        timeZone: 'America/New_York',
        registeredAt: res.body.createdAt,
      });
      assert.doesNotMatch(JSON.stringify(event), /abstraction|scrypt/);
    } finally {
      await listener.close();
    }
  });

  it('when the email exists in another case, then 409', async () => {
    await createUser({ email: 'grace@example.com', password: 'compilers rule', displayName: 'Grace' }).expect(
      201,
    );
    const res = await createUser({
      email: 'GRACE@example.com',
      password: 'compilers rule',
      displayName: 'Grace again',
    }).expect(409);
    assert.match(res.headers['content-type']!, /problem\+json/);
  });

  it('when anyone signs up, then only as a learner: no email earns a role at sign-up', async () => {
    const res = await createUser({
      email: 'admin@syllabus.test',
      password: 'administrate',
      displayName: 'Admin',
    }).expect(201);
    assert.deepEqual(res.body.roles, ['learner']);
  });

  it('when the bootstrap command runs, then the account exists with its roles; run again, then roles are added and the password kept unless one is given', async () => {
    const email = `author-${randomUUID().slice(0, 8)}@syllabus.test`;
    const env = {
      PATH: process.env.PATH,
      MONGODB_URL: testEnv.MONGODB_URL,
      MONGODB_DATABASE: service.config.MONGODB_DATABASE,
      BOOTSTRAP_EMAIL: email,
      BOOTSTRAP_ROLES: 'author',
    };
    const script = join(__dirname, '..', 'src', 'bootstrap-user.js');
    const first = JSON.parse(execFileSync(process.execPath, [script], { env, encoding: 'utf8' })) as {
      roles: string[];
      created: boolean;
      password: string;
    };
    assert.deepEqual([first.created, first.roles], [true, ['learner', 'author']]);
    assert.ok(first.password.length >= 12, 'a generated password, printed once');

    const second = JSON.parse(
      execFileSync(process.execPath, [script], {
        env: { ...env, BOOTSTRAP_ROLES: 'admin' },
        encoding: 'utf8',
      }),
    ) as Record<string, unknown>;
    assert.deepEqual(second, { email, roles: ['learner', 'author', 'admin'], created: false });

    const login = await verifyCredentials({ email, password: first.password }).expect(200);
    assert.deepEqual(login.body.roles, ['learner', 'author', 'admin']);

    // Given a password (as `npm start` gives the one it prints), an existing account takes it.
    execFileSync(process.execPath, [script], { env: { ...env, BOOTSTRAP_PASSWORD: 'the printed password' } });
    await verifyCredentials({ email, password: 'the printed password' }).expect(200);
  });

  it('when sign-up input is invalid, then 400 naming each field', async () => {
    const res = await createUser({
      email: 'not-an-email',
      password: 'short',
      displayName: '',
      timeZone: 'Mars/Olympus',
    }).expect(400);
    assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), [
      'displayName',
      'email',
      'password',
      'timeZone',
    ]);
  });

  it('when credentials are right, then the user; when wrong or unknown, then the same 401', async () => {
    await createUser({ email: 'linus@example.com', password: 'just for fun', displayName: 'Linus' }).expect(
      201,
    );
    const ok = await verifyCredentials({ email: 'Linus@Example.com', password: 'just for fun' }).expect(200);
    assert.equal(ok.body.email, 'linus@example.com');
    const wrong = await verifyCredentials({ email: 'linus@example.com', password: 'just for profit' }).expect(
      401,
    );
    const unknown = await verifyCredentials({ email: 'nobody@example.com', password: 'just for fun' }).expect(
      401,
    );
    assert.equal(wrong.body.detail, unknown.body.detail);
  });

  it('when the internal token is missing or wrong, then 401 and nothing is created', async () => {
    const body = { email: 'mallory@example.com', password: 'let me in please', displayName: 'Mallory' };
    await request(service.app).post('/internal/users').send(body).expect(401);
    await request(service.app)
      .post('/internal/users')
      .set('Authorization', 'Bearer wrong')
      .send(body)
      .expect(401);
    assert.equal(await service.deps.models.emails.countDocuments({ _id: 'mallory@example.com' }), 0);
    assert.equal(await service.deps.models.accounts.countDocuments({ email: 'mallory@example.com' }), 0);
  });
});
