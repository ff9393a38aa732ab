/** Every migration, in order. Listed as classes so compiled and ts-jest runs load the same set. */
import { PriceBooks1763769600000 } from './1763769600000-price-books';
import { EventsAndRating1763773200000 } from './1763773200000-events-and-rating';
import { ApiKeys1763776800000 } from './1763776800000-api-keys';
import { Invoices1763780400000 } from './1763780400000-invoices';
import { TenantStatementVersions1763784000000 } from './1763784000000-tenant-statement-versions';
import { WritePathsWithoutFkLocks1763787600000 } from './1763787600000-write-paths-without-fk-locks';
import { ResourcesHotUpdates1763791200000 } from './1763791200000-resources-hot-updates';
import { StatementVersionsMovedByRating1763798400000 } from './1763798400000-statement-versions-moved-by-rating';
import { RatingMarks1763805600000 } from './1763805600000-rating-marks';
import { EventsByResourceAndTime1763812800000 } from './1763812800000-events-by-resource-and-time';
import { InstantsInWholeMilliseconds1763820000000 } from './1763820000000-instants-in-whole-milliseconds';
import { RestatementsOfAnyFinalizedPeriod1763823600000 } from './1763823600000-restatements-of-any-finalized-period';
import { InstantsInPeriodRange1763827200000 } from './1763827200000-instants-in-period-range';

export const migrations = [
  PriceBooks1763769600000,
  EventsAndRating1763773200000,
  ApiKeys1763776800000,
  Invoices1763780400000,
  TenantStatementVersions1763784000000,
  WritePathsWithoutFkLocks1763787600000,
  ResourcesHotUpdates1763791200000,
  StatementVersionsMovedByRating1763798400000,
  RatingMarks1763805600000,
  EventsByResourceAndTime1763812800000,
  InstantsInWholeMilliseconds1763820000000,
  RestatementsOfAnyFinalizedPeriod1763823600000,
  InstantsInPeriodRange1763827200000,
];
