import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A billing period whose invoices are issued: nothing may re-price it. */
@Entity('finalized_periods')
export class FinalizedPeriodEntity {
  @PrimaryColumn({ type: 'char', length: 7 })
  period!: string;

  @Column({ name: 'finalized_at', type: 'timestamptz' })
  finalizedAt!: Date;
}
