import mongoose from 'mongoose';

/**
 * The connection sanitises query filters (`sanitizeFilter`), so an operator smuggled in through
 * input is matched literally. Operators the code itself writes are marked as trusted here.
 */
export const trusted = <T>(filter: T): T => mongoose.trusted<T>(filter);
