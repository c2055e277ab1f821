/**
 * OpenMetrics UNIT words as OpenTelemetry's units (UCUM), as OpenTelemetry's Prometheus
 * compatibility converts them: full words to their symbols (`seconds` to `s`, `ratio` to
 * `1`), and `foo_per_bar` to `foo/bar`. Words without a symbol here are kept as written.
 */
const WORDS: Readonly<Record<string, string>> = {
  days: 'd',
  hours: 'h',
  minutes: 'min',
  seconds: 's',
  milliseconds: 'ms',
  microseconds: 'us',
  nanoseconds: 'ns',
  bytes: 'By',
  kibibytes: 'KiBy',
  mebibytes: 'MiBy',
  gibibytes: 'GiBy',
  tibibytes: 'TiBy',
  kilobytes: 'KBy',
  megabytes: 'MBy',
  gigabytes: 'GBy',
  terabytes: 'TBy',
  meters: 'm',
  volts: 'V',
  amperes: 'A',
  joules: 'J',
  watts: 'W',
  grams: 'g',
  celsius: 'Cel',
  hertz: 'Hz',
  ratio: '1',
  percent: '%',
};

/** The unit a rate is per, in the singular (`per_second`). */
const PER_WORDS: Readonly<Record<string, string>> = {
  second: 's',
  minute: 'm',
  hour: 'h',
  day: 'd',
  week: 'w',
  month: 'mo',
  year: 'y',
};

/** A metric family's UNIT as an OpenTelemetry unit. */
export function otelUnit(unit: string): string {
  const word = (w: string) => (Object.hasOwn(WORDS, w) ? WORDS[w]! : w);
  const at = unit.indexOf('_per_');
  if (at <= 0) return word(unit);
  const per = unit.slice(at + '_per_'.length);
  return `${word(unit.slice(0, at))}/${Object.hasOwn(PER_WORDS, per) ? PER_WORDS[per]! : per}`;
}
