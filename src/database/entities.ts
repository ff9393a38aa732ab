import { ApiKeyEntity } from '../auth/api-key.entity';
import { PriceBookVersionEntity } from '../price-books/price-book-version.entity';

/** Every TypeORM entity, for the data source and the schema drift test. */
export const entities = [PriceBookVersionEntity, ApiKeyEntity];
