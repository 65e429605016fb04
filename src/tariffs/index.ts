/**
 * Public API of the tariff engine (the objects it reads and builds are in src/model): price(), charging-period
 * generation, buildCdr() and explain(). Pure functions; no HTTP, no database.
 */
export { TariffEngineError, TariffValidationError, PricingInputError, CdrBuildError, type FieldIssue } from './errors.js';
export { validateTariff, compileTariff, isCompiledTariff, type CompiledTariff, type CostCategory } from './compiled-tariff.js';
export { referencePrice, type TariffLike } from './price.js';
/** The platform's price(): the fast engine, equal to referencePrice() in every field (docs/tariffs.md). */
export { fastPrice as price, fastEngineStats, resetFastEngineStats, type FastEngineStats } from './fast/fast-price.js';
export type * from './price-types.js';
export { MeterState, MeterEvent, MeterTimeline, type MeterTimelineInput } from './meter-timeline.js';
export { chargingPeriodsFromTimeline, type TimelineOptions, type GeneratedPeriods } from './charging-periods.js';
export { buildCdr, type BuildCdrInput, type BuiltCdr } from './cdr-builder.js';
export { CdrLocationSource, ConnectorSource, EvseSource, NOT_AVAILABLE, type CdrLocationSourceInput } from './location-input.js';
export { chooseTariff, isValidAt, type TariffChoiceCriteria } from './tariff-choice.js';
export { explain, type Explanation, type ElementSpan, type DimensionSummary, type ExplainedPeriod, type ExplainedCharge } from './explain.js';
export { explainCdr, type CdrExplanation } from './cdr-explanation.js';
