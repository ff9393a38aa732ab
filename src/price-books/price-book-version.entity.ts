import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A stored price-book version: immutable (a trigger refuses UPDATE and DELETE). */
@Entity('price_book_versions')
export class PriceBookVersionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_id', type: 'text', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'effective_from', type: 'timestamptz' })
  effectiveFrom!: Date;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** vm / vs / image sections with every decimal as a string. */
  @Column({ type: 'jsonb' })
  body!: PriceBookBody;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

export interface PriceBookBody {
  vm: {
    pricePerHour: string;
    templateWeights: Record<string, string>;
    stateWeights: Record<string, string>;
  };
  vs: { pricePerHour: string; templateWeights: Record<string, string>; realServerWeight: string };
  image: {
    tierMode: 'graduated' | 'volume';
    tiers: { upToGb: string | null; pricePerGbHour: string }[];
  };
}
