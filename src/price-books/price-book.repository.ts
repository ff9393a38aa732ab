import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PriceBookVersionEntity } from './price-book-version.entity';

/** Persistence of price-book versions. Versions are only ever inserted. */
@Injectable()
export class PriceBookRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every version, global first, then by tenant and effectiveFrom. */
  listVersions(em: EntityManager = this.dataSource.manager, tenantId?: string) {
    const qb = em
      .getRepository(PriceBookVersionEntity)
      .createQueryBuilder('v')
      .orderBy('v.tenant_id', 'ASC', 'NULLS FIRST')
      .addOrderBy('v.effective_from', 'ASC');
    if (tenantId !== undefined) qb.where('v.tenant_id = :tenantId', { tenantId });
    return qb.getMany();
  }

  findByScopeAndInstant(em: EntityManager, tenantId: string | null, effectiveFrom: Date) {
    return em
      .getRepository(PriceBookVersionEntity)
      .createQueryBuilder('v')
      .where('v.tenant_id IS NOT DISTINCT FROM :tenantId', { tenantId })
      .andWhere('v.effective_from = :effectiveFrom', { effectiveFrom })
      .getOne();
  }

  async insertVersion(em: EntityManager, version: Omit<PriceBookVersionEntity, 'createdAt'>) {
    await em.getRepository(PriceBookVersionEntity).insert(version);
    return em.getRepository(PriceBookVersionEntity).findOneByOrFail({ id: version.id });
  }
}
