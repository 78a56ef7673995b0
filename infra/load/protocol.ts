// What load/main.ts asks the load generator's process to do (a phase), and what it answers.

export interface Learner {
  id: string;
  email: string;
  accessToken: string;
  refreshToken: string;
}
export interface Course {
  id: string;
  lessonIds: string[];
}
export type Op =
  'signup' | 'refresh' | 'enrol' | 'complete' | 'stats' | 'enrolments' | 'dashboard' | 'feed' | 'leaderboard';

/** What a phase saw: latencies per operation, status codes, and the completions acknowledged. */
export interface PhaseResult {
  seconds: number;
  latencies: Partial<Record<Op, number[]>>;
  statuses: Partial<Record<Op, Record<string, number>>>;
  /** Completions answered 2xx with `changed: true`: what the system promised to have recorded. */
  acknowledged: {
    userId: string;
    courseId: string;
    lessonId: string;
    courseCompleted: boolean;
    at: number;
  }[];
  /**
   * Completions whose outcome the client cannot know (5xx other than a refusal, or no answer):
   * the server may have recorded them, and then notifies them too.
   */
  unknownOutcome: { userId: string; courseId: string; lessonId: string; status: number }[];
  learners?: Learner[];
  styles?: Record<string, StyleFigures>;
}

export type PhaseRequest =
  | { kind: 'signup'; gateway: string; count: number; concurrency: number }
  | { kind: 'refresh'; gateway: string; learners: Learner[] }
  | {
      kind: 'learn';
      gateway: string;
      learners: Learner[];
      courses: Course[];
      seconds: number;
      /** Stop after this many completions in all (the smoke and the solo phase use it). */
      maxCompletions?: number;
      /** Every `readEvery` completions, a learner reads stats, enrolments, dashboard, feed and leaderboard. */
      readEvery: number;
    }
  | { kind: 'probe'; gateway: string; learners: Learner[]; courses: Course[]; rounds: number }
  | {
      kind: 'contention';
      urls: string[];
      learner: Learner;
      course: Course;
    }
  | {
      kind: 'styles';
      gateway: string;
      learner: Learner;
      /** The GraphQL dashboard operation's text. */
      query: string;
      rounds: number;
    };

/** The learner's dashboard with its courses, fetched in one style: what it took. */
export interface StyleFigures {
  requests: number;
  roundTrips: number;
  responseBytes: number;
  latenciesMs: number[];
}
