import { BreakOptions, DeliveryBreak, DELIVERY_BREAKS } from './types';

/**
 * Which links are broken on purpose, per service. Scenarios set and clear
 * breaks; each controller asks only about the breaks it acts on.
 */
export class BreakBoard {
  private readonly breaks = new Map<string, Map<DeliveryBreak, BreakOptions>>();
  private readonly listeners = new Set<
    (service: string, brk: DeliveryBreak, on: boolean) => void
  >();

  set(service: string, brk: DeliveryBreak, options: BreakOptions = {}): void {
    if (!DELIVERY_BREAKS.includes(brk)) {
      throw new Error(
        `unknown break "${brk}"; known: ${DELIVERY_BREAKS.join(', ')}`,
      );
    }
    let forService = this.breaks.get(service);
    if (!forService) {
      forService = new Map();
      this.breaks.set(service, forService);
    }
    forService.set(brk, { ...options });
    for (const l of this.listeners) l(service, brk, true);
  }

  /** Clears one break, or every break of the service. */
  clear(service: string, brk?: DeliveryBreak): void {
    const forService = this.breaks.get(service);
    if (!forService) return;
    const cleared = brk ? (forService.has(brk) ? [brk] : []) : [...forService.keys()];
    for (const b of cleared) {
      forService.delete(b);
      for (const l of this.listeners) l(service, b, false);
    }
  }

  has(service: string, brk: DeliveryBreak): boolean {
    return this.breaks.get(service)?.has(brk) ?? false;
  }

  options(service: string, brk: DeliveryBreak): BreakOptions | undefined {
    return this.breaks.get(service)?.get(brk);
  }

  /** Every break now set, per service. */
  list(): Array<{ service: string; brk: DeliveryBreak; options: BreakOptions }> {
    return [...this.breaks].flatMap(([service, m]) =>
      [...m].map(([brk, options]) => ({ service, brk, options })),
    );
  }

  /** Called on every set/clear; returns an unsubscribe function. */
  onChange(
    listener: (service: string, brk: DeliveryBreak, on: boolean) => void,
  ): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
