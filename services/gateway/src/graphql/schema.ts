import {
  GraphQLBoolean,
  type GraphQLEnumType,
  GraphQLID,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLNullableType,
  type GraphQLOutputType,
} from 'graphql';
import type { z } from 'zod';
import {
  catalogRoutes,
  courseSchema,
  courseSummarySchema,
  enrolmentSchema,
  notificationRoutes,
  notificationSchema,
  statsSchema,
  userProgressRoutes,
} from '@syllabus/contracts';
import type { GraphqlContext } from './context';
import { connectionPage } from './connections';
import { createTypeDeriver } from './from-zod';

const list = (type: GraphQLOutputType) => new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(type)));
const nonNull = <T extends GraphQLNullableType>(type: T) => new GraphQLNonNull(type);

/** The `items` element schema of a REST list answer. */
const itemOf = (body: z.ZodType | undefined) =>
  ((body as z.ZodObject).shape.items as z.ZodArray<z.ZodObject>).element;

type Enrolment = z.infer<typeof enrolmentSchema>;

/** The `courses` field's arguments; a filter may come as null, which means none. */
interface CourseFilters {
  first: number;
  after?: string | null;
  track?: string | null;
  level?: z.infer<typeof courseSchema.shape.level> | null;
  skill?: string | null;
  q?: string | null;
}

/**
 * The GraphQL schema beside REST: the same services, the same tokens and the same checks. Its
 * object types are derived from the REST answers' zod schemas (see from-zod.ts); only the roots,
 * the connections and the relations between types are written here.
 */
export function createSchema() {
  const types = createTypeDeriver<GraphqlContext>();
  const pageInfo = new GraphQLObjectType({
    name: 'PageInfo',
    description: 'Where a page starts and ends; pass `endCursor` as `after` for the next one',
    fields: {
      hasNextPage: { type: nonNull(GraphQLBoolean) },
      hasPreviousPage: { type: nonNull(GraphQLBoolean), description: 'Always false: pages go forward' },
      startCursor: { type: GraphQLString },
      endCursor: { type: GraphQLString },
    },
  });
  /** A Relay connection: edges with a cursor each, the nodes alone, and where the page ends. */
  const connection = (
    name: string,
    node: GraphQLObjectType,
    extra: Record<string, { type: GraphQLOutputType }> = {},
  ) =>
    new GraphQLObjectType({
      name,
      fields: {
        edges: {
          type: list(
            new GraphQLObjectType({
              name: `${node.name}Edge`,
              fields: { node: { type: nonNull(node) }, cursor: { type: nonNull(GraphQLString) } },
            }),
          ),
        },
        nodes: { type: list(node) },
        pageInfo: { type: nonNull(pageInfo) },
        ...extra,
      },
    });

  const course = types.objectType(courseSchema);
  const courseSummary = types.objectType(courseSummarySchema);
  const prerequisite = types.objectType(itemOf(catalogRoutes.listPrerequisites.responses[200].body));
  const enrolment = types.objectType(enrolmentSchema);
  const completion = types.objectType(userProgressRoutes.completeLesson.responses[200].body);
  const stats = types.objectType(statsSchema);
  const notification = types.objectType(notificationSchema);
  const leaderboardRow = types.objectType(itemOf(userProgressRoutes.leaderboard.responses[200].body));

  types.extend('Course', () => ({
    allPrerequisites: {
      type: list(prerequisite),
      description: 'Every course this one builds on, transitively, nearest first',
      resolve: async (parent: { slug: string }, _args, ctx) =>
        (
          await ctx.get(catalogRoutes.listPrerequisites, {
            params: { course: parent.slug },
            query: { transitive: 'true' },
          })
        ).items,
    },
  }));
  const enrolledCourse = {
    type: course,
    description: 'The course (null if it is no longer visible)',
    resolve: (parent: Enrolment, _args: unknown, ctx: GraphqlContext) => ctx.course(parent.courseSlug),
  };
  types.extend('Enrollment', () => ({ course: enrolledCourse }));
  types.extend('Completion', () => ({ course: enrolledCourse }));

  const notificationConnection = connection('NotificationConnection', notification, {
    unreadCount: { type: nonNull(GraphQLInt) },
  });
  const unreadNotifications = (ctx: GraphqlContext) =>
    ctx.get(notificationRoutes.listNotifications, { query: { unread: 'true', limit: 1 } });

  const me = new GraphQLObjectType<object, GraphqlContext>({
    name: 'Me',
    description:
      'The signed-in learner (the token decides who; each service checks it). Each part is nullable: ' +
      'when the service behind it cannot answer, it is null with an error naming it, and the rest still comes.',
    fields: {
      enrollments: {
        type: new GraphQLList(nonNull(enrolment)),
        resolve: async (_me, _args, ctx) => (await ctx.get(userProgressRoutes.listEnrolments, {})).items,
      },
      stats: { type: stats, resolve: (_me, _args, ctx) => ctx.get(userProgressRoutes.myStats, {}) },
      unreadNotifications: {
        type: GraphQLInt,
        resolve: async (_me, _args, ctx) => (await unreadNotifications(ctx)).unreadCount,
      },
      notifications: {
        type: notificationConnection,
        args: {
          first: { type: GraphQLInt, defaultValue: 20 },
          after: { type: GraphQLString },
          unread: { type: GraphQLBoolean, defaultValue: false },
        },
        resolve: async (_me, args: { first: number; after?: string; unread: boolean }, ctx) => {
          let unreadCount = 0;
          const connection = await connectionPage(args, async (cursor, limit) => {
            const page = await ctx.get(notificationRoutes.listNotifications, {
              query: { limit, cursor, unread: args.unread ? 'true' : 'false' },
            });
            unreadCount = page.unreadCount;
            return page;
          });
          return { ...connection, unreadCount };
        },
      },
    },
  });

  // The derived enum is an input type too: the level filter takes the same values.
  const level = (
    types.output(courseSchema.shape.level, 'Level') as unknown as GraphQLNonNull<GraphQLEnumType>
  ).ofType;
  const learner = new GraphQLObjectType<{ id: string }, GraphqlContext>({
    name: 'Learner',
    description: 'A learner by id: yourself, or anyone for an admin (user-progress decides, not this schema)',
    fields: {
      id: { type: nonNull(GraphQLID) },
      enrollments: {
        type: list(enrolment),
        resolve: async ({ id }, _args, ctx) =>
          (await ctx.get(userProgressRoutes.userEnrolments, { params: { userId: id } })).items,
      },
      stats: {
        type: nonNull(stats),
        resolve: ({ id }, _args, ctx) => ctx.get(userProgressRoutes.userStats, { params: { userId: id } }),
      },
    },
  });

  const courseFilters: GraphQLFieldConfigArgumentMap = {
    first: { type: GraphQLInt, defaultValue: 20 },
    after: { type: GraphQLString },
    track: { type: GraphQLString },
    level: { type: level },
    skill: { type: GraphQLString },
    q: { type: GraphQLString, description: 'Words to search titles and summaries for' },
  };

  const queryType = new GraphQLObjectType<object, GraphqlContext>({
    name: 'Query',
    fields: {
      tracks: {
        type: list(types.objectType(itemOf(catalogRoutes.listTracks.responses[200].body))),
        resolve: async (_root, _args, ctx) => (await ctx.get(catalogRoutes.listTracks, {})).items,
      },
      skills: {
        type: list(types.objectType(itemOf(catalogRoutes.listSkills.responses[200].body))),
        resolve: async (_root, _args, ctx) => (await ctx.get(catalogRoutes.listSkills, {})).items,
      },
      course: {
        type: course,
        description: 'A course by slug; null when there is none you may see',
        args: { slug: { type: nonNull(GraphQLString) } },
        resolve: (_root, args: { slug: string }, ctx) => ctx.course(args.slug),
      },
      courses: {
        type: nonNull(connection('CourseConnection', courseSummary)),
        description: 'Published courses, filtered and searched, a page at a time',
        args: courseFilters,
        resolve: (_root, args: CourseFilters, ctx) => {
          const { first, after, track, level, skill, q } = args;
          const filters = {
            track: track ?? undefined,
            level: level ?? undefined,
            skill: skill ?? undefined,
            q: q ?? undefined,
          };
          return connectionPage({ first, after: after ?? undefined }, (cursor, limit) =>
            ctx.get(catalogRoutes.listCourses, { query: { ...filters, limit, cursor } }),
          );
        },
      },
      me: { type: nonNull(me), resolve: () => ({}) },
      learner: {
        type: learner,
        args: { id: { type: nonNull(GraphQLID) } },
        resolve: (_root, args: { id: string }) => ({ id: args.id }),
      },
      leaderboard: {
        type: list(leaderboardRow),
        args: { first: { type: GraphQLInt, defaultValue: 10 } },
        resolve: async (_root, args: { first: number }, ctx) =>
          (await ctx.get(userProgressRoutes.leaderboard, { query: { limit: args.first } })).items,
      },
    },
  });

  const mutationType = new GraphQLObjectType<object, GraphqlContext>({
    name: 'Mutation',
    fields: {
      enrol: {
        type: nonNull(enrolment),
        args: { courseId: { type: nonNull(GraphQLID) } },
        resolve: (_root, args: { courseId: string }, ctx) =>
          ctx.send(userProgressRoutes.enrol, { body: { courseId: args.courseId } }),
      },
      completeLesson: {
        type: nonNull(completion),
        description: 'Idempotent: `changed` is false when the lesson was already complete',
        args: { courseId: { type: nonNull(GraphQLID) }, lessonId: { type: nonNull(GraphQLID) } },
        resolve: (_root, args: { courseId: string; lessonId: string }, ctx) =>
          ctx.send(userProgressRoutes.completeLesson, {
            params: { course: args.courseId, lesson: args.lessonId },
          }),
      },
      markNotificationRead: {
        type: nonNull(GraphQLBoolean),
        args: { id: { type: nonNull(GraphQLID) } },
        resolve: async (_root, args: { id: string }, ctx) => {
          await ctx.send(notificationRoutes.markRead, { params: { notification: args.id } });
          return true;
        },
      },
      markAllNotificationsRead: {
        type: nonNull(GraphQLInt),
        description: 'How many changed',
        resolve: async (_root, _args, ctx) => (await ctx.send(notificationRoutes.markAllRead, {})).updated,
      },
    },
  });

  return new GraphQLSchema({ query: queryType, mutation: mutationType });
}
