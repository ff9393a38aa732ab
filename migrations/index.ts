/** Every migration, in order. Listed as classes so compiled and ts-jest runs load the same set. */
import { PriceBooks1763769600000 } from './1763769600000-price-books';
import { EventsAndRating1763773200000 } from './1763773200000-events-and-rating';

export const migrations = [PriceBooks1763769600000, EventsAndRating1763773200000];
